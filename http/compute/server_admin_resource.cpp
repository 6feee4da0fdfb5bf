// The os-resetState action (nova/api/openstack/compute/admin_actions.py)
// and /servers/{id}/os-server-password (server_password.py).
#include "http/compute/ask.hpp"
#include "http/compute/server_schema.hpp"

namespace vmforge::http {

namespace json = boost::json;

void server_reset_state(compute_api& api, const call_ptr& c,
                        const std::string& id, const json::value& arg) {
  // schemas/reset_server_state.py: {"state": "active" | "error"}, nothing
  // else.
  reset_server_state req;
  std::string error;
  auto o = arg.if_object();
  auto state = o != nullptr ? o->if_contains("state") : nullptr;
  if (o == nullptr) {
    invalid(error, "os-resetState", arg, show(arg) + " is not of type 'object'");
  } else if (state == nullptr) {
    error = "Invalid input for field/attribute os-resetState. Value: "
            + show(arg) + ". 'state' is a required property";
  } else if (o->size() != 1) {
    for (auto& kv : *o)
      if (kv.key() != "state")
        error = "Invalid input for field/attribute os-resetState. Value: "
                + show(arg) + ". Additional properties are not allowed ('"
                + std::string{kv.key()} + "' was unexpected)";
  } else if (!state->is_string()
             || (state->as_string() != "active"
                 && state->as_string() != "error")) {
    // jsonschema's enum message: the value's repr.
    auto repr
      = state->is_string() ? "'" + show(*state) + "'" : show(*state);
    invalid(error, "state", *state, repr + " is not one of ['active', 'error']");
  }
  if (!error.empty()) {
    reply_error(c, 400, error);
    return;
  }
  req.ctx = c->ctx;
  req.id = id;
  req.state = state->as_string() == "active" ? vm_state::active
                                             : vm_state::error;
  ask<accepted>(api, c, std::move(req),
                [c](accepted&) { reply_empty(c, 202); });
}

void server_password_resource(compute_api& api, const call_ptr& c,
                              const std::string& id) {
  using verb = beast_http::verb;
  auto method = c->req.method();
  if (method != verb::get && method != verb::delete_) {
    reply_bad_method(c);
    return;
  }
  auto clear = method == verb::delete_;
  ask<server_password>(api, c, server_password_request{c->ctx, id, clear},
                       [c, clear](server_password& p) {
    if (clear)
      reply_empty(c, 204);
    else
      reply_json(c, 200, json::object{{"password", p.password}});
  });
}

} // namespace vmforge::http
