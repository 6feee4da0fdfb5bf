// /servers: create, list (filters, pagination), show, update, delete.
#include <regex>
#include <set>

#include <openssl/rand.h>

#include "http/compute/ask.hpp"
#include "http/compute/instance_actions_resource.hpp"
#include "http/compute/server_list_query.hpp"
#include "http/compute/server_schema.hpp"
#include "messages/errors.hpp"
#include "util/uuid.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

constexpr size_t max_limit = 1000; // [api] max_limit

// Nova's utils.generate_password: 12 characters without look-alikes.
std::string generate_password() {
  static const std::string alphabet =
    "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  unsigned char raw[12];
  RAND_bytes(raw, sizeof(raw));
  std::string out;
  for (auto b : raw)
    out += alphabet[b % alphabet.size()];
  return out;
}

// Nova's create answers 400 for what it cannot find, in its own words
// (nova/api/openstack/compute/servers.py), and for an image it may not
// read (ImageNotAuthorized is in its 400 list). The other image errors
// have their own statuses (call.cpp): 400, the zero-disk flavor's 403, a
// Glance that does not answer 503.
void reply_create_error(const call_ptr& c, const caf::error& err) {
  if (err == errc::image_not_found)
    reply_error(c, 400, "Can not find requested image");
  else if (err == errc::image_not_authorized)
    reply_error(c, 400, error_message(err));
  else if (err == errc::keypair_not_found)
    reply_error(c, 400, "Invalid key_name provided.");
  else if (err == errc::flavor_not_found)
    reply_error(c, 400, error_message(err));
  else
    reply_error(c, err);
}

void create(compute_api& api, const call_ptr& c) {
  json::value storage;
  auto body = json_body(c, storage);
  if (!body)
    return;
  create_input in;
  std::string error;
  if (!parse_create(*body, c->version, in, error)) {
    reply_error(c, 400, error);
    return;
  }
  in.req.ctx = c->ctx;
  auto pass = in.admin_pass.empty() ? generate_password() : in.admin_pass;
  auto by_reservation = in.return_reservation_id;
  auto disk_config = in.req.disk_config;
  auto groups = in.req.security_groups;
  ask<servers_created>(api, std::move(in.req),
                       [c, pass, by_reservation, disk_config,
                        groups](servers_created& r) {
    if (by_reservation) {
      reply_json(c, 202,
                 json::object{{"reservation_id", r.reservation_id}});
      return;
    }
    auto& id = r.ids.front();
    json::array sg;
    for (auto& g : groups)
      sg.push_back(json::object{{"name", g}});
    c->headers.emplace_back("Location", c->base.self("servers", id));
    reply_json(c, 202,
               json::object{{"server",
                             json::object{{"id", id},
                                          {"links", c->base.links("servers", id)},
                                          {"OS-DCF:diskConfig", disk_config},
                                          {"security_groups", std::move(sg)},
                                          {"adminPass", pass}}}});
  }, [c](caf::error& err) { reply_create_error(c, err); });
}

// oslo's strutils.bool_from_string with strict=True: nullopt for a word
// that is neither.
std::optional<bool> oslo_bool(std::string v) {
  for (auto& ch : v)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v == "true" || v == "t" || v == "1" || v == "yes" || v == "y"
      || v == "on")
    return true;
  if (v == "false" || v == "f" || v == "0" || v == "no" || v == "n"
      || v == "off")
    return false;
  return std::nullopt;
}

std::string upper(const std::string& text) {
  std::string out;
  for (auto ch : text)
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

// Nova's status filter: the vm_states a status stands for.
bool status_matches(const std::string& wanted, const instance& row) {
  return derive_status(row.vm, row.task) == upper(wanted);
}

// Nova's API statuses (common._STATE_MAP's values): from 2.38 any other
// status filter is 400.
bool known_status(std::string s) {
  for (auto& ch : s)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  static const std::set<std::string> known{
    "ACTIVE",        "BUILD",         "DELETED",       "ERROR",
    "HARD_REBOOT",   "MIGRATING",     "PASSWORD",      "PAUSED",
    "REBOOT",        "REBUILD",       "RESCUE",        "RESIZE",
    "REVERT_RESIZE", "SHELVED",       "SHELVED_OFFLOADED", "SHUTOFF",
    "SOFT_DELETED",  "SUSPENDED",     "UNKNOWN",       "VERIFY_RESIZE"};
  return known.count(s) != 0;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t b = 0;
  while (b <= s.size()) {
    auto e = std::min(s.find(',', b), s.size());
    out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

// Nova's tag filters (2.26): tags all, tags-any one, not-tags not all,
// not-tags-any none of the comma-separated tags.
bool tags_match(const call_ptr& c, const instance& row) {
  auto has = [&](const std::string& t) {
    return std::find(row.tags.begin(), row.tags.end(), t) != row.tags.end();
  };
  auto all_of = [&](const std::string& p) {
    auto ts = split_commas(c->param(p));
    return std::all_of(ts.begin(), ts.end(), has);
  };
  auto any_of = [&](const std::string& p) {
    auto ts = split_commas(c->param(p));
    return std::any_of(ts.begin(), ts.end(), has);
  };
  return (!c->has_param("tags") || all_of("tags"))
         && (!c->has_param("tags-any") || any_of("tags-any"))
         && (!c->has_param("not-tags") || !all_of("not-tags"))
         && (!c->has_param("not-tags-any") || !any_of("not-tags-any"));
}

void list(compute_api& api, const call_ptr& c, bool detail) {
  // Validate what can be checked before asking.
  auto unknown = unknown_server_list_params(*c);
  if (!unknown.empty()) {
    reply_error(c, 400, unknown);
    return;
  }
  server_list_filters filters;
  std::string error;
  if (!filters.parse(*c, error)) {
    reply_error(c, 400, error);
    return;
  }
  size_t limit = max_limit;
  if (c->has_param("limit")) {
    auto text = c->param("limit");
    if (text.empty() || !std::all_of(text.begin(), text.end(), ::isdigit)) {
      reply_error(c, 400, "limit param must be an integer");
      return;
    }
    limit = std::min<size_t>(std::stoul(text), max_limit);
  }
  int64_t since = 0;
  if (c->has_param("changes-since")
      && !parse_iso8601(c->param("changes-since"), since)) {
    reply_error(c, 400,
                "Invalid input for query parameters changes-since. Value: "
                  + c->param("changes-since") + ". '" + c->param("changes-since")
                  + "' is not a 'date-time'");
    return;
  }
  int64_t before = 0;
  if (c->version >= api_version{2, 66} && c->has_param("changes-before")) {
    if (!parse_iso8601(c->param("changes-before"), before)) {
      reply_error(c, 400,
                  "Invalid input for query parameters changes-before. Value: "
                    + c->param("changes-before") + ". '"
                    + c->param("changes-before") + "' is not a 'date-time'");
      return;
    }
    if (c->has_param("changes-since") && since > before) {
      reply_error(c, 400, "The value of changes-since must be less than or "
                          "equal to changes-before.");
      return;
    }
  }
  if (c->version >= api_version{2, 38} && c->has_param("status")
      && !known_status(c->param("status"))) {
    reply_error(c, 400, "Invalid status value");
    return;
  }
  // 2.73: locked=true|false (Nova's strict boolean).
  std::optional<bool> locked;
  if (c->version >= api_version{2, 73} && c->has_param("locked")) {
    locked = oslo_bool(c->param("locked"));
    if (!locked) {
      reply_error(c, 400, "Unrecognized value '" + c->param("locked")
                            + "', acceptable values are: '0', '1', 'f', "
                              "'false', 'n', 'no', 'off', 'on', 't', 'true', "
                              "'y', 'yes'");
      return;
    }
  }
  std::optional<std::regex> name_re;
  if (c->has_param("name")) {
    try {
      name_re.emplace(c->param("name"));
    } catch (const std::regex_error&) {
      reply_error(c, 400, "Invalid regular expression: " + c->param("name"));
      return;
    }
  }
  bool all_tenants = false;
  if (c->has_param("all_tenants")) {
    auto v = c->param("all_tenants");
    all_tenants = !(v == "0" || v == "false" || v == "False" || v == "off");
  }
  // Nova's deleted filter (admins only: a user's is dropped as an unknown
  // filter); without it changes-since and changes-before also find the
  // servers deleted in their window; status=DELETED asks for deleted ones.
  list_servers req{c->ctx, all_tenants, false, false,
                   c->param(c->has_param("tenant_id") ? "tenant_id"
                                                      : "project_id"),
                   c->param("host")};
  if (c->has_param("deleted") && c->ctx.is_admin) {
    req.deleted = oslo_bool(c->param("deleted")).value_or(false);
  } else {
    req.with_deleted = c->has_param("changes-since") || before != 0;
  }
  if (c->has_param("status") && upper(c->param("status")) == "DELETED") {
    if (!c->ctx.is_admin) {
      reply_error(c, 403, "Only administrators may list deleted instances");
      return;
    }
    req.deleted = true;
  }
  ask<instance_list>(api, c, std::move(req),
                     [c, detail, limit, since, before, locked, name_re,
                      filters](instance_list& l) {
    std::vector<const instance*> rows;
    for (auto& row : l.items) {
      if (name_re && !std::regex_search(row.name, *name_re))
        continue;
      if (c->has_param("status") && !status_matches(c->param("status"), row))
        continue;
      if (c->has_param("image") && row.image_id != c->param("image"))
        continue;
      if (c->has_param("flavor") && row.flavor_.id != c->param("flavor"))
        continue;
      if (c->has_param("changes-since") && row.updated_us < since)
        continue;
      if (before != 0 && row.updated_us > before)
        continue;
      if (locked && row.locked != *locked)
        continue;
      if (!tags_match(c, row) || !filters.matches(row))
        continue;
      if (c->has_param("reservation_id")
          && row.reservation_id != c->param("reservation_id"))
        continue;
      rows.push_back(&row);
    }
    auto after = after_marker(c, rows, [](const instance* r) { return r->id; });
    if (!after) {
      reply_error(c, 400, "marker [" + c->param("marker") + "] not found");
      return;
    }
    auto start = *after;
    json::array out;
    for (size_t i = start; i < rows.size() && out.size() < limit; ++i)
      out.push_back(detail ? server_detail(*rows[i], c->base, c->ctx, c->version)
                           : server_brief(*rows[i], c->base));
    json::object body{{"servers", std::move(out)}};
    auto shown = body["servers"].as_array().size();
    // Nova links the next page whenever a page is full.
    if (shown > 0 && shown == limit) {
      auto last = rows[start + shown - 1]->id;
      auto href = c->base.root + "/v2.1"
                  + (c->base.project_id.empty() ? "" : "/" + c->base.project_id)
                  + "/servers" + (detail ? "/detail" : "") + "?limit="
                  + std::to_string(limit) + "&marker=" + last;
      body["servers_links"] = json::array{
        json::object{{"rel", "next"}, {"href", href}}};
    }
    reply_json(c, 200, std::move(body));
  });
}

void show(compute_api& api, const call_ptr& c, const std::string& id) {
  ask<instance>(api, c, show_server{c->ctx, id}, [&api, c](instance& row) {
    reply_server(api, c, server_detail(row, c->base, c->ctx, c->version));
  });
}

void update(compute_api& api, const call_ptr& c, const std::string& id) {
  json::value storage;
  auto body = json_body(c, storage);
  if (!body)
    return;
  update_server req;
  std::string error;
  if (!parse_update(*body, c->version, req, error)) {
    reply_error(c, 400, error);
    return;
  }
  req.ctx = c->ctx;
  req.change.id = id;
  ask<instance>(api, c, std::move(req), [&api, c](instance& row) {
    // 2.75 makes PUT's answer the whole server, as GET's.
    auto whole = c->version >= api_version{2, 75};
    reply_server(api, c,
                 server_detail(row, c->base, c->ctx, c->version, whole));
  });
}

void remove(compute_api& api, const call_ptr& c, const std::string& id) {
  ask<accepted>(api, c, delete_server{c->ctx, id},
                [c](accepted&) { reply_empty(c, 204); });
}

void action(compute_api& api, const call_ptr& c, const std::string& id) {
  json::value storage;
  auto body = json_body(c, storage);
  if (!body)
    return;
  if (body->size() != 1) {
    reply_error(c, 400, "Malformed request body");
    return;
  }
  auto key = std::string{body->begin()->key()};
  auto& arg = body->begin()->value();
  if (key == "createImage" || key == "createBackup") {
    auto backup = key == "createBackup";
    create_image req;
    std::string error;
    if (!(backup ? parse_create_backup(arg, c->version, req, error)
                 : parse_create_image(arg, c->version, req, error))) {
      reply_error(c, 400, error);
      return;
    }
    req.ctx = c->ctx;
    req.id = id;
    // From 2.39 the image's metadata no longer counts against a quota.
    req.check_metadata_quota = !(c->version >= api_version{2, 39});
    auto keep = req.backup.keep;
    ask<image_created>(api, c, std::move(req), [c, backup,
                                                keep](image_created& r) {
      // Nova: the image id in the body from 2.45, before it a Location
      // (a backup's only with a rotation, under the compute API: Nova's
      // application_url).
      if (create_image_answers_id(c->version)) {
        reply_json(c, 202, json::object{{"image_id", r.image_id}});
        return;
      }
      if (!backup)
        c->headers.emplace_back("Location", r.location);
      else if (keep > 0)
        c->headers.emplace_back("Location",
                                c->base.root + "/v2.1/images/" + r.image_id);
      reply_empty(c, 202);
    });
    return;
  }
  if (key == "addSecurityGroup" || key == "removeSecurityGroup") {
    server_security_group_action(api, c, id, key == "addSecurityGroup", arg);
    return;
  }
  if (key == "os-resetState") {
    server_reset_state(api, c, id, arg);
    return;
  }
  if (key == "os-getConsoleOutput") {
    console_request req;
    std::string error;
    if (!parse_console_output(arg, req.length, error)) {
      reply_error(c, 400, error);
      return;
    }
    req.ctx = c->ctx;
    req.id = id;
    ask<console_text>(api, c, std::move(req), [c](console_text& t) {
      reply_json(c, 200, json::object{{"output", t.output}});
    });
    return;
  }
  if (key == "shelve" || key == "shelveOffload" || key == "unshelve") {
    // shelve and shelveOffload take any value (Nova's schema: {}).
    shelve_server req;
    req.op = key == "shelve"          ? shelve_op::shelve
             : key == "shelveOffload" ? shelve_op::offload
                                      : shelve_op::unshelve;
    std::string error;
    if (req.op == shelve_op::unshelve
        && !parse_unshelve(arg, c->version, req, error)) {
      reply_error(c, 400, error);
      return;
    }
    req.ctx = c->ctx;
    req.id = id;
    ask<accepted>(api, c, std::move(req),
                  [c](accepted&) { reply_empty(c, 202); });
    return;
  }
  server_action req;
  req.ctx = c->ctx;
  req.id = id;
  req.action = key;
  if (req.action == "reboot") {
    auto type = arg.is_object() ? arg.as_object().if_contains("type") : nullptr;
    if (type == nullptr || !type->is_string()
        || (type->as_string() != "SOFT" && type->as_string() != "HARD")) {
      reply_error(c, 400,
                  "Invalid input for field/attribute reboot. 'type' must be "
                  "one of ['HARD', 'Hard', 'SOFT', 'Soft']");
      return;
    }
    req.hard = type->as_string() == "HARD";
  }
  if (req.action == "lock") {
    std::string error;
    if (!parse_lock(arg, c->version, req.locked_reason, error)) {
      reply_error(c, 400, error);
      return;
    }
  }
  if (req.action == "rescue") {
    // Nova's schema: null or {adminPass, rescue_image_ref}; the answer is
    // the password the rescued guest gets.
    std::string pass;
    std::string error;
    if (!parse_rescue(arg, pass, error)) {
      reply_error(c, 400, error);
      return;
    }
    if (pass.empty())
      pass = generate_password();
    ask<accepted>(api, c, std::move(req), [c, pass](accepted&) {
      reply_json(c, 200, json::object{{"adminPass", pass}});
    });
    return;
  }
  ask<accepted>(api, c, std::move(req),
                [c](accepted&) { reply_empty(c, 202); });
}

void metadata(compute_api& api, const call_ptr& c, const std::string& id) {
  auto& p = c->path;
  using verb = beast_http::verb;
  auto method = c->req.method();
  server_metadata req;
  req.ctx = c->ctx;
  req.id = id;
  bool one = p.size() == 4;
  if (one)
    req.key = p[3];
  if (method == verb::get) {
    req.op = one ? metadata_op::show_key : metadata_op::list;
  } else if (method == verb::delete_ && one) {
    req.op = metadata_op::delete_key;
  } else if (method == verb::put || (method == verb::post && !one)) {
    req.op = one ? metadata_op::set_key
                 : method == verb::put ? metadata_op::replace
                                       : metadata_op::merge;
    json::value storage;
    auto body = json_body(c, storage);
    if (!body)
      return;
    auto items = body->if_contains(one ? "meta" : "metadata");
    std::string error;
    if (items == nullptr || body->size() != 1) {
      reply_error(c, 400, "Malformed request body");
      return;
    }
    if (!parse_metadata(*items, req.items, error)) {
      reply_error(c, 400, error);
      return;
    }
    if (one && req.items.size() > 1) {
      reply_error(c, 400, "Request body contains too many items");
      return;
    }
    if (one && req.items.count(req.key) == 0) {
      reply_error(c, 400, "Request body and URI mismatch");
      return;
    }
  } else {
    reply_bad_method(c);
    return;
  }
  auto op = req.op;
  ask<metadata_items>(api, c, std::move(req), [c, op](metadata_items& m) {
    if (op == metadata_op::delete_key) {
      reply_empty(c, 204);
      return;
    }
    json::object items;
    for (auto& kv : m.items)
      items[kv.first] = kv.second;
    bool one = op == metadata_op::show_key || op == metadata_op::set_key;
    reply_json(c, 200, json::object{{one ? "meta" : "metadata",
                                     std::move(items)}});
  });
}

} // namespace

void route_servers(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  auto method = c->req.method();
  using verb = beast_http::verb;
  if (p.size() == 1) {
    if (method == verb::get)
      list(api, c, false);
    else if (method == verb::post)
      create(api, c);
    else
      reply_bad_method(c);
    return;
  }
  if (p.size() == 2 && p[1] == "detail") {
    if (method == verb::get)
      list(api, c, true);
    else
      reply_bad_method(c);
    return;
  }
  if (p.size() == 2) {
    if (method == verb::get)
      show(api, c, p[1]);
    else if (method == verb::put)
      update(api, c, p[1]);
    else if (method == verb::delete_)
      remove(api, c, p[1]);
    else
      reply_bad_method(c);
    return;
  }
  if ((p.size() == 3 || p.size() == 4) && p[2] == "os-instance-actions") {
    instance_actions(api, c, p[1]);
    return;
  }
  if ((p.size() == 3 || p.size() == 4) && p[2] == "ips") {
    server_ips(api, c, p[1]);
    return;
  }
  if (p.size() >= 3 && p[2] == "os-security-groups") {
    server_security_groups(api, c, p[1]);
    return;
  }
  if ((p.size() == 3 || p.size() == 4) && p[2] == "os-interface") {
    server_interfaces(api, c, p[1]);
    return;
  }
  if ((p.size() == 3 || p.size() == 4) && p[2] == "metadata") {
    metadata(api, c, p[1]);
    return;
  }
  if ((p.size() == 3 || p.size() == 4) && p[2] == "tags") {
    server_tags_resource(api, c, p[1]);
    return;
  }
  if (p.size() == 3 && p[2] == "os-server-password") {
    server_password_resource(api, c, p[1]);
    return;
  }
  if (p.size() == 3 && p[2] == "action") {
    if (method == verb::post)
      action(api, c, p[1]);
    else
      reply_bad_method(c);
    return;
  }
  reply_no_route(c);
}

} // namespace vmforge::http
