// /servers/{id}/tags[/{tag}] (Nova's server_tags.py, from 2.26): list,
// replace all, delete all; check, add, delete one.
#include <algorithm>

#include "http/compute/ask.hpp"
#include "http/compute/server_schema.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

json::object tags_body(const std::vector<std::string>& tags) {
  json::array out;
  for (auto& t : tags)
    out.emplace_back(t);
  return {{"tags", std::move(out)}};
}

// PUT /servers/{id}/tags: {"tags": [...]} (schemas/server_tags.py
// update_all: the tags only, at most 50, each a valid tag).
bool parse_replace(const call_ptr& c, std::vector<std::string>& out) {
  json::value storage;
  auto body = json_body(c, storage);
  if (!body)
    return false;
  std::string error;
  auto tags = body->if_contains("tags");
  if (tags == nullptr) {
    reply_error(c, 400, "Invalid input for field/attribute tags. 'tags' is a "
                        "required property");
    return false;
  }
  if (body->size() != 1) {
    reply_error(c, 400, "Additional properties are not allowed");
    return false;
  }
  if (!parse_tags(*tags, out, error)) {
    reply_error(c, 400, error);
    return false;
  }
  return true;
}

} // namespace

void server_tags_resource(compute_api& api, const call_ptr& c,
                          const std::string& id) {
  if (!(c->version >= api_version{2, 26})) {
    reply_no_route(c);
    return;
  }
  using verb = beast_http::verb;
  auto method = c->req.method();
  bool one = c->path.size() == 4;
  server_tags req;
  req.ctx = c->ctx;
  req.id = id;
  if (one)
    req.tags = {c->path[3]};
  if (method == verb::get) {
    req.op = tag_op::list;
  } else if (method == verb::put && one) {
    std::string tag;
    std::string error;
    if (!valid_tag(json::value(c->path[3]), tag, error)) {
      // Nova checks the URL's tag by hand, in its own words.
      auto reason = error.substr(error.rfind(". ") + 2);
      reply_error(c, 400, "Tag '" + c->path[3]
                            + "' is invalid. It must be a non empty string "
                              "without characters '/' and ','. Validation "
                              "error message: "
                            + reason);
      return;
    }
    req.op = tag_op::add;
  } else if (method == verb::put) {
    req.op = tag_op::replace;
    if (!parse_replace(c, req.tags))
      return;
  } else if (method == verb::delete_) {
    req.op = one ? tag_op::remove : tag_op::remove_all;
  } else {
    reply_bad_method(c);
    return;
  }
  auto op = req.op;
  auto tag = one ? c->path[3] : std::string{};
  ask<tag_list>(api, c, std::move(req), [c, op, id, tag](tag_list& l) {
    switch (op) {
      case tag_op::list:
        if (tag.empty()) {
          reply_json(c, 200, tags_body(l.tags));
        } else if (std::find(l.tags.begin(), l.tags.end(), tag)
                   != l.tags.end()) {
          reply_empty(c, 204);
        } else {
          reply_error(c, 404, "Server " + id + " has no tag '" + tag + "'");
        }
        return;
      case tag_op::add:
        if (l.created) {
          c->headers.emplace_back("Location",
                                  c->base.self("servers", id) + "/tags/" + tag);
          reply_empty(c, 201);
        } else {
          reply_empty(c, 204);
        }
        return;
      case tag_op::replace:
        reply_json(c, 200, tags_body(l.tags));
        return;
      case tag_op::remove:
      case tag_op::remove_all:
        reply_empty(c, 204);
        return;
    }
  });
}

} // namespace vmforge::http
