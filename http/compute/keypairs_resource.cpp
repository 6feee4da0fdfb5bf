// os-keypairs: list, show, import, generate, delete; ssh or x509 keys
// (2.2), another user's for admins (2.10).
#include <regex>

#include <boost/json/serialize.hpp>

#include "http/compute/ask.hpp"
#include "http/compute/ssh_keys.hpp"
#include "http/compute/x509_keys.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

json::object keypair_view(const call_ptr& c, const keypair& kp, bool full) {
  json::object out{{"name", kp.name},
                   {"public_key", kp.public_key},
                   {"fingerprint", kp.fingerprint}};
  if (c->version >= api_version{2, 2})
    out["type"] = kp.type;
  if (full) {
    out["user_id"] = kp.user_id;
    out["deleted"] = false;
    out["created_at"] = iso8601_micro(kp.created_us);
    out["updated_at"] = nullptr;
    out["deleted_at"] = nullptr;
    out["id"] = kp.id;
  }
  return out;
}

// The keypair's fingerprint by its type; "" with Nova's reason if the key
// is not one.
std::string fingerprint_of(const keypair& kp, std::string& reason) {
  if (kp.type == "x509") {
    auto fp = x509_fingerprint(kp.public_key);
    if (fp.empty())
      reason = "failed to generate X509 fingerprint";
    return fp;
  }
  auto fp = ssh_fingerprint(kp.public_key);
  if (fp.empty())
    reason = "failed to generate fingerprint";
  return fp;
}

void create(compute_api& api, const call_ptr& c) {
  json::value storage;
  auto body = json_body(c, storage);
  if (!body)
    return;
  auto kpv = body->if_contains("keypair");
  if (kpv == nullptr || !kpv->is_object()) {
    reply_error(c, 400, "Invalid input for field/attribute keypair. "
                        "'keypair' is a required property");
    return;
  }
  auto& in = kpv->as_object();
  auto v = c->version;
  for (auto& kv : in) {
    std::string key{kv.key()};
    if (key != "name" && key != "public_key"
        && !(key == "type" && v >= api_version{2, 2})
        && !(key == "user_id" && v >= api_version{2, 10})) {
      reply_error(c, 400, "Additional properties are not allowed ('" + key
                            + "' was unexpected)");
      return;
    }
  }
  auto name = in.if_contains("name");
  // Nova's keypair_name_special_chars, with '@' and '.' from 2.92.
  static const std::regex before_292{"^[_\\- a-zA-Z0-9]+$"};
  static const std::regex from_292{"^[_\\-@. a-zA-Z0-9]+$"};
  if (name == nullptr || !name->is_string() || name->as_string().empty()
      || name->as_string().size() > 255
      || !std::regex_match(std::string{name->as_string().c_str()},
                           v >= api_version{2, 92} ? from_292 : before_292)
      || name->as_string().front() == ' ' || name->as_string().back() == ' ') {
    reply_error(c, 400, "Keypair data is invalid: Keypair name contains "
                        "unsafe characters");
    return;
  }
  create_keypair req;
  req.ctx = c->ctx;
  req.kp.name = name->as_string().c_str();
  if (auto t = in.if_contains("type")) {
    if (!t->is_string()
        || (t->as_string() != "ssh" && t->as_string() != "x509")) {
      reply_error(c, 400, "Invalid input for field/attribute type. Value: "
                            + json::serialize(*t) + ". "
                            + json::serialize(*t)
                            + " is not one of ['ssh', 'x509']");
      return;
    }
    req.kp.type = t->as_string().c_str();
  }
  if (auto u = in.if_contains("user_id")) {
    if (!u->is_string()) {
      reply_error(c, 400, "Invalid input for field/attribute user_id. Value: "
                            + json::serialize(*u) + ". "
                            + json::serialize(*u)
                            + " is not of type 'string'");
      return;
    }
    req.user_id = u->as_string().c_str();
  }
  std::string private_key;
  if (auto pk = in.if_contains("public_key")) {
    if (!pk->is_string()) {
      reply_error(c, 400, "Invalid input for field/attribute public_key.");
      return;
    }
    req.kp.public_key = pk->as_string().c_str();
    std::string reason;
    req.kp.fingerprint = fingerprint_of(req.kp, reason);
    if (req.kp.fingerprint.empty()) {
      reply_error(c, 400, "Keypair data is invalid: " + reason);
      return;
    }
  } else if (v >= api_version{2, 92}) {
    // 2.92: no more generation.
    reply_error(c, 400, "Invalid input for field/attribute keypair. Value: "
                          + json::serialize(in)
                          + ". 'public_key' is a required property");
    return;
  } else {
    auto owner = req.user_id.empty() ? c->ctx.user_id : req.user_id;
    auto gen = req.kp.type == "x509" ? generate_x509_cert(owner)
                                     : generate_rsa_key();
    req.kp.public_key = gen.public_key;
    std::string reason;
    req.kp.fingerprint = fingerprint_of(req.kp, reason);
    private_key = gen.private_key;
  }
  ask<keypair>(api, c, std::move(req), [c, private_key](keypair& kp) {
    auto out = keypair_view(c, kp, false);
    out["user_id"] = kp.user_id;
    if (!private_key.empty())
      out["private_key"] = private_key;
    reply_json(c, c->version >= api_version{2, 2} ? 201 : 200,
               json::object{{"keypair", std::move(out)}});
  });
}

// From 2.10 an admin names another user's keypairs with ?user_id=.
std::string user_param(const call_ptr& c) {
  return c->version >= api_version{2, 10} ? c->param("user_id")
                                          : std::string{};
}

} // namespace

void route_keypairs(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  using verb = beast_http::verb;
  auto method = c->req.method();
  if (p.size() == 1 && method == verb::post) {
    create(api, c);
  } else if (p.size() == 1 && method == verb::get) {
    ask<keypair_list>(api, c, get_keypairs{c->ctx, {}, user_param(c)},
                      [c](keypair_list& l) {
      json::array out;
      for (auto& kp : l.items)
        out.push_back(json::object{{"keypair", keypair_view(c, kp, false)}});
      reply_json(c, 200, json::object{{"keypairs", std::move(out)}});
    });
  } else if (p.size() == 2 && method == verb::get) {
    ask<keypair_list>(api, c, get_keypairs{c->ctx, p[1], user_param(c)},
                      [c](keypair_list& l) {
      reply_json(c, 200, json::object{{"keypair",
                                       keypair_view(c, l.items.front(), true)}});
    });
  } else if (p.size() == 2 && method == verb::delete_) {
    ask<accepted>(api, c, delete_keypair{c->ctx, p[1], user_param(c)},
                  [c](accepted&) {
      reply_empty(c, c->version >= api_version{2, 2} ? 204 : 202);
    });
  } else if (p.size() <= 2) {
    reply_bad_method(c);
  } else {
    reply_no_route(c);
  }
}

} // namespace vmforge::http
