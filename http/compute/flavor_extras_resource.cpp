// os-flavor-extra-specs and os-flavor-access: a flavor's extra specs
// (what the aggregate filters and the drivers read) and which projects
// may use a private flavor.
#include <algorithm>
#include <cctype>

#include <boost/json/serialize.hpp>

#include "http/compute/ask.hpp"
#include "messages/errors.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

// Nova's flavors_extraspecs schema: keys ^[a-zA-Z0-9-_:. ]{1,255}$, values
// strings, numbers or booleans of at most 255 characters (as Python's
// str() writes them: True, 1.5).
bool extra_specs_of(const json::object& in,
                    std::map<std::string, std::string>& out,
                    std::string& error) {
  for (auto& kv : in) {
    std::string key{kv.key()};
    if (!valid_spec_key(key)) {
      error = "Invalid input for field/attribute extra_specs. Additional "
              "properties are not allowed ('" + key + "' was unexpected)";
      return false;
    }
    auto& v = kv.value();
    std::string value;
    if (v.is_string())
      value = v.as_string().c_str();
    else if (v.is_bool())
      value = v.as_bool() ? "True" : "False";
    else if (v.is_int64())
      value = std::to_string(v.as_int64());
    else if (v.is_double())
      value = json::serialize(v);
    else {
      error = "Invalid input for field/attribute " + key
              + ". Value must be a string, a number or a boolean";
      return false;
    }
    if (value.size() > 255) {
      error = "extra_specs value has more than 255 characters.";
      return false;
    }
    out.emplace(std::move(key), std::move(value));
  }
  return true;
}

json::object specs_json(const std::map<std::string, std::string>& specs) {
  json::object out;
  for (auto& kv : specs)
    out[kv.first] = kv.second;
  return out;
}

// A change: the body (as Nova answers, its specs as stored) once the
// store has it.
void change_specs(compute_api& api, const call_ptr& c, flavor_request req,
                  bool wrapped) {
  auto specs = req.extra_specs;
  ask<flavor_access>(api, c, std::move(req),
                     [c, specs, wrapped](flavor_access&) {
    auto body = specs_json(specs);
    reply_json(c, 200, wrapped ? json::object{{"extra_specs", body}} : body);
  });
}

json::object access_json(const std::string& id,
                         const std::vector<std::string>& projects) {
  json::array out;
  for (auto& p : projects)
    out.push_back(json::object{{"flavor_id", id}, {"tenant_id", p}});
  return json::object{{"flavor_access", std::move(out)}};
}

} // namespace

void route_flavor_extra_specs(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  using verb = beast_http::verb;
  auto method = c->req.method();
  auto id = p[1];
  if (p.size() > 4) {
    reply_no_route(c);
    return;
  }
  std::string key = p.size() == 4 ? p[3] : std::string{};
  if (method == verb::get) {
    ask<flavor_list>(api, c, list_flavors{c->ctx, flavor_visibility::all},
                     [c, id, key](flavor_list& l) {
      auto f = std::find_if(l.items.begin(), l.items.end(),
                            [&](const flavor& x) { return x.id == id; });
      if (f == l.items.end()) {
        reply_error(c, 404, "Flavor " + id + " could not be found.");
        return;
      }
      if (key.empty()) {
        reply_json(c, 200,
                   json::object{{"extra_specs", specs_json(f->extra_specs)}});
        return;
      }
      auto spec = f->extra_specs.find(key);
      if (spec == f->extra_specs.end())
        reply_error(c, 404, nova_message(errc::flavor_extra_specs_not_found,
                                         {id, key}));
      else
        reply_json(c, 200, json::object{{key, spec->second}});
    });
    return;
  }
  if (method == verb::delete_ && !key.empty()) {
    ask<flavor_access>(api, c,
                       flavor_request{c->ctx, flavor_op::delete_extra_spec, id,
                                      {}, key, {}},
                       [c](flavor_access&) { reply_empty(c, 202); });
    return;
  }
  json::value storage;
  auto body = allowed_json_body(c,
                                (method == verb::post && key.empty())
                                  || (method == verb::put && !key.empty()),
                                storage);
  if (!body)
    return;
  const json::object* specs = body;
  if (key.empty()) {
    auto inner = body->if_contains("extra_specs");
    if (inner == nullptr || !inner->is_object()) {
      reply_error(c, 400, "Invalid input for field/attribute extra_specs. "
                          "'extra_specs' is a required property");
      return;
    }
    specs = &inner->as_object();
  } else if (!body->contains(key)) {
    reply_error(c, 400, "Request body and URI mismatch");
    return;
  } else if (body->size() > 1) {
    reply_error(c, 400, "Request body contains too many items");
    return;
  }
  flavor_request req{c->ctx, flavor_op::add_extra_specs, id, {}, key, {}};
  std::string error;
  if (!extra_specs_of(*specs, req.extra_specs, error)) {
    reply_error(c, 400, error);
    return;
  }
  if (!key.empty())
    req.op = flavor_op::update_extra_spec;
  change_specs(api, c, std::move(req), key.empty());
}

void route_flavor_access(compute_api& api, const call_ptr& c) {
  using verb = beast_http::verb;
  auto id = c->path[1];
  auto reply = [c, id](flavor_access& a) {
    reply_json(c, 200, access_json(id, a.projects));
  };
  if (c->path[2] == "os-flavor-access") {
    if (c->req.method() != verb::get) {
      reply_bad_method(c);
      return;
    }
    ask<flavor_access>(api, c,
                       flavor_request{c->ctx, flavor_op::list_access, id, {},
                                      {}, {}},
                       reply);
    return;
  }
  json::value storage;
  auto body = allowed_json_body(c, c->req.method() == verb::post, storage);
  if (!body)
    return;
  auto add = body->if_contains("addTenantAccess");
  auto remove = body->if_contains("removeTenantAccess");
  auto action = add != nullptr ? add : remove;
  const char* name = add != nullptr ? "addTenantAccess" : "removeTenantAccess";
  if (action == nullptr || body->size() != 1) {
    reply_error(c, 400, "There is no such action: "
                          + (body->empty() ? std::string{}
                                           : std::string{body->begin()->key()}));
    return;
  }
  auto tenant = action->is_object() ? action->as_object().if_contains("tenant")
                                    : nullptr;
  if (tenant == nullptr || !tenant->is_string() || tenant->as_string().empty()
      || tenant->as_string().size() > 255) {
    reply_error(c, 400, std::string{"Invalid input for field/attribute "}
                          + name + ".");
    return;
  }
  ask<flavor_access>(api, c,
                     flavor_request{c->ctx,
                                    add != nullptr ? flavor_op::add_access
                                                   : flavor_op::remove_access,
                                    id, {}, tenant->as_string().c_str(), {}},
                     reply);
}

} // namespace vmforge::http
