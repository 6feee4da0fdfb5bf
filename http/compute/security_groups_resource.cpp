// os-security-groups and os-security-group-rules: Nova's proxy API for
// security groups, removed at microversion 2.36; a server's groups
// (GET /servers/{id}/os-security-groups, add/removeSecurityGroup), kept.
#include <algorithm>
#include <cctype>
#include <set>

#include <boost/json/serialize.hpp>

#include "http/compute/ask.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

// Nova's _format_security_group_rule: a rule names a group or a cidr.
json::object rule_view(const security_group_rule_info& r) {
  auto by_group = r.group_id != 0;
  return {{"id", r.id},
          {"parent_group_id", r.parent_group_id},
          {"ip_protocol", r.ip_protocol.empty() ? json::value(nullptr)
                                                : json::value(r.ip_protocol)},
          {"from_port", r.from_port},
          {"to_port", r.to_port},
          {"ip_range", by_group || r.cidr.empty()
                         ? json::object{}
                         : json::object{{"cidr", r.cidr}}},
          {"group", by_group ? json::object{{"name", r.group_name},
                                            {"tenant_id", r.group_project_id}}
                             : json::object{}}};
}

json::object group_view(const security_group_info& g) {
  json::array rules;
  for (auto& r : g.rules)
    rules.push_back(rule_view(r));
  return {{"id", g.id},
          {"name", g.name},
          {"description", g.description},
          {"tenant_id", g.project_id},
          {"rules", std::move(rules)}};
}

bool id_of(const call_ptr& c, const std::string& text, int64_t& id) {
  if (text.empty() || text.size() > 18
      || !std::all_of(text.begin(), text.end(), ::isdigit)) {
    reply_error(c, 400, "Security group id should be integer");
    return false;
  }
  id = std::stoll(text);
  return true;
}

// A create's or update's body: a name of 1-255 characters, not only
// whitespace, and a description of at most 255 (`description_required`:
// an update's, as Nova's schema asks both).
bool group_fields(const call_ptr& c, const json::object& body,
                  bool description_required, security_group_info& out) {
  auto sg = body.if_contains("security_group");
  auto o = sg != nullptr ? sg->if_object() : nullptr;
  auto name = o != nullptr ? o->if_contains("name") : nullptr;
  auto desc = o != nullptr ? o->if_contains("description") : nullptr;
  auto blank = [](const json::string& s) {
    return std::all_of(s.begin(), s.end(), [](char ch) {
      return std::isspace(static_cast<unsigned char>(ch)) != 0;
    });
  };
  if (name == nullptr || !name->is_string() || blank(name->as_string())
      || name->as_string().size() > 255
      || (desc == nullptr && description_required)
      || (desc != nullptr
          && (!desc->is_string() || desc->as_string().size() > 255))) {
    reply_error(c, 400, "Security group name and description must be "
                        "strings of 1 to 255 characters");
    return false;
  }
  out.name = name->as_string().c_str();
  if (desc != nullptr)
    out.description = desc->as_string().c_str();
  return true;
}

bool all_tenants_of(const call_ptr& c) {
  // Nova lists every project's groups for an admin's all_tenants, whatever
  // its value.
  return c->ctx.is_admin && c->has_param("all_tenants");
}

bool port_of(const json::object& o, const char* name, int64_t& out) {
  auto v = o.if_contains(name);
  if (v == nullptr)
    return true;
  if (v->is_int64())
    out = v->as_int64();
  else if (v->is_string() && !v->as_string().empty())
    out = std::atoll(v->as_string().c_str());
  else
    return false;
  return out >= -1 && out <= 65535;
}

} // namespace

void route_security_groups(compute_api& api, const call_ptr& c) {
  if (removed_at_2_36(c))
    return;
  auto& p = c->path;
  using verb = beast_http::verb;
  auto method = c->req.method();
  security_group_request req;
  req.ctx = c->ctx;
  if (p.size() == 1 && method == verb::get) {
    req.op = security_group_op::list;
    req.all_tenants = all_tenants_of(c);
  } else if (p.size() == 1 && method == verb::post) {
    json::value storage;
    auto body = json_body(c, storage);
    if (!body || !group_fields(c, *body, false, req.group))
      return;
    req.op = security_group_op::create;
  } else if (p.size() == 1 && method == verb::delete_) {
    // Nova has no route for a DELETE without an id.
    reply_no_route(c);
    return;
  } else if (p.size() == 2 && method == verb::put) {
    // Nova validates the body before the id.
    json::value storage;
    auto body = json_body(c, storage);
    if (!body || !group_fields(c, *body, true, req.group)
        || !id_of(c, p[1], req.id))
      return;
    req.op = security_group_op::update;
  } else if (p.size() == 2 && (method == verb::get || method == verb::delete_)) {
    if (!id_of(c, p[1], req.id))
      return;
    req.op = method == verb::get ? security_group_op::show
                                 : security_group_op::remove;
  } else {
    reply_bad_method(c);
    return;
  }
  auto op = req.op;
  ask<security_group_list>(api, c, std::move(req),
                           [c, op](security_group_list& l) {
    if (op == security_group_op::remove) {
      reply_empty(c, 202);
    } else if (op == security_group_op::list) {
      json::array out;
      for (auto& g : l.items)
        out.push_back(group_view(g));
      reply_json(c, 200, json::object{{"security_groups", std::move(out)}});
    } else {
      reply_json(c, 200,
                 json::object{{"security_group", group_view(l.items.front())}});
    }
  });
}

void route_security_group_rules(compute_api& api, const call_ptr& c) {
  if (removed_at_2_36(c))
    return;
  auto& p = c->path;
  using verb = beast_http::verb;
  security_group_request req;
  req.ctx = c->ctx;
  if (p.size() == 1 && c->req.method() == verb::post) {
    json::value storage;
    auto body = json_body(c, storage);
    if (!body)
      return;
    auto rv = body->if_contains("security_group_rule");
    if (rv == nullptr || !rv->is_object()) {
      reply_error(c, 400, "Malformed request body");
      return;
    }
    auto& r = rv->as_object();
    auto parent = r.if_contains("parent_group_id");
    std::string parent_text =
      parent == nullptr ? ""
      : parent->is_string() ? std::string{parent->as_string().c_str()}
      : parent->is_int64() ? std::to_string(parent->as_int64()) : "";
    if (!id_of(c, parent_text, req.rule.parent_group_id))
      return;
    if (auto proto = r.if_contains("ip_protocol")) {
      static const std::set<std::string> protocols{"tcp", "udp", "icmp"};
      if (!proto->is_string()
          || protocols.count(std::string{proto->as_string().c_str()}) == 0) {
        reply_error(c, 400, "Invalid IP protocol " + json::serialize(*proto));
        return;
      }
      req.rule.ip_protocol = proto->as_string().c_str();
    }
    if (!port_of(r, "from_port", req.rule.from_port)
        || !port_of(r, "to_port", req.rule.to_port)) {
      reply_error(c, 400, "Invalid port range");
      return;
    }
    if (auto cidr = r.if_contains("cidr"); cidr && cidr->is_string())
      req.rule.cidr = cidr->as_string().c_str();
    else
      req.rule.cidr = "0.0.0.0/0";
    // group_id: a group whose members the rule admits (null: none).
    if (auto group = r.if_contains("group_id"); group && !group->is_null()) {
      std::string text = group->is_string()
                           ? std::string{group->as_string().c_str()}
                         : group->is_int64() ? std::to_string(group->as_int64())
                                             : "";
      if (!id_of(c, text, req.rule.group_id))
        return;
    }
    req.op = security_group_op::create_rule;
  } else if (p.size() == 2 && c->req.method() == verb::delete_) {
    if (!id_of(c, p[1], req.id))
      return;
    req.op = security_group_op::remove_rule;
  } else {
    reply_bad_method(c);
    return;
  }
  auto op = req.op;
  ask<security_group_list>(api, c, std::move(req),
                           [c, op](security_group_list& l) {
    if (op == security_group_op::remove_rule)
      reply_empty(c, 202);
    else
      reply_json(c, 200,
                 json::object{{"security_group_rule",
                               rule_view(l.items.front().rules.back())}});
  });
}

void server_security_groups(compute_api& api, const call_ptr& c,
                            const std::string& id) {
  if (c->path.size() != 3) {
    reply_no_route(c);
    return;
  }
  if (c->req.method() != beast_http::verb::get) {
    reply_bad_method(c);
    return;
  }
  ask<security_group_list>(
    api, c, server_security_group_request{c->ctx, id, {}, false, true},
    [c](security_group_list& l) {
      json::array out;
      for (auto& g : l.items)
        out.push_back(group_view(g));
      reply_json(c, 200, json::object{{"security_groups", std::move(out)}});
    });
}

void server_security_group_action(compute_api& api, const call_ptr& c,
                                  const std::string& id, bool add,
                                  const json::value& arg) {
  // Nova's _parse, after its schema (an object with a string name).
  auto o = arg.if_object();
  if (o == nullptr) {
    reply_error(c, 400, "Missing parameter dict");
    return;
  }
  auto name = o->if_contains("name");
  if (name == nullptr) {
    reply_error(c, 400, "Security group not specified");
    return;
  }
  // vmforge's groups have nova-network's integer ids, which the CLI sends
  // as a number: taken as the id's text (Nova's groups are Neutron's, with
  // string ids).
  if (!name->is_string() && !name->is_int64()) {
    reply_error(c, 400, "Invalid input for field/attribute name. Value: "
                          + json::serialize(*name) + ". "
                          + json::serialize(*name)
                          + " is not of type 'string'");
    return;
  }
  auto text = name->is_int64() ? std::to_string(name->as_int64())
                               : std::string{name->as_string()};
  if (text.find_first_not_of(" \t\n\r") == std::string::npos) {
    reply_error(c, 400, "Security group name cannot be empty");
    return;
  }
  ask<security_group_list>(api, c,
                           server_security_group_request{c->ctx, id, text, add,
                                                         false},
                           [c](security_group_list&) { reply_empty(c, 202); });
}

} // namespace vmforge::http
