// Images: Nova's image proxy (/v2.1/images, until microversion 2.35) and a
// read-only Glance-v2-shaped endpoint (/v2/images) on the same port, both
// read through the image actor, which asks the image service with the
// caller's image_auth (docs/images.md).
#include <algorithm>
#include <cctype>
#include <set>

#include <boost/json/serialize.hpp>

#include "http/compute/ask.hpp"
#include "messages/errors.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isdigit(static_cast<unsigned char>(ch)) != 0;
  });
}

std::string lower(std::string s) {
  for (auto& ch : s)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// -- Nova's proxy -------------------------------------------------------------

// What Nova's ImagesController._get_filters passes on to Glance, applied
// here to what the image service listed: name and status (lowercased) go
// to the service, the rest are checked on each record. minRam/minDisk are
// equalities, as Glance v2 applies them.
struct proxy_filters {
  std::string name;
  std::string status;
  std::string server;
  std::string type;
  std::string min_ram;
  std::string min_disk;
  bool has_since = false;
  int64_t since_us = 0;
  std::vector<std::pair<std::string, std::string>> properties;

  bool matches(const image& img) const {
    auto prop = [&](const std::string& key, const std::string& want) {
      auto i = img.properties.find(key);
      return i != img.properties.end() && i->second == want;
    };
    if (!server.empty() && !prop("instance_uuid", server))
      return false;
    if (!type.empty() && !prop("image_type", type))
      return false;
    if (!min_ram.empty()
        && !(all_digits(min_ram) && std::to_string(img.min_ram_mb) == min_ram))
      return false;
    if (!min_disk.empty()
        && !(all_digits(min_disk)
             && std::to_string(img.min_disk_gb) == min_disk))
      return false;
    for (auto& [key, want] : properties)
      if (!prop(key, want))
        return false;
    if (has_since) {
      // Nova's changes-since is Glance's updated_at=gte:...
      int64_t updated = 0;
      if (!parse_iso8601(img.updated_at, updated) || updated < since_us)
        return false;
    }
    return true;
  }
};

// False if it answered 400.
bool filters_of(const call_ptr& c, proxy_filters& f) {
  f.name = c->param("name");
  f.status = lower(c->param("status"));
  // "server" may be the server's URL: its last segment is the uuid.
  f.server = c->param("server");
  if (auto slash = f.server.rfind('/'); slash != std::string::npos)
    f.server = f.server.substr(slash + 1);
  f.type = c->param("type");
  f.min_ram = c->param("minRam");
  f.min_disk = c->param("minDisk");
  for (auto& [key, value] : c->query)
    if (key.rfind("property-", 0) == 0 && key.size() > 9)
      f.properties.emplace_back(key.substr(9), value);
  if (c->has_param("changes-since")) {
    f.has_since = true;
    if (!parse_iso8601(c->param("changes-since"), f.since_us)) {
      reply_error(c, 400, "Bad \"updated_at\" query filter format. Use ISO "
                          "8601 DateTime notation.");
      return false;
    }
  }
  return true;
}

void proxy_list(compute_api& api, const call_ptr& c, bool detail) {
  proxy_filters f;
  if (!filters_of(c, f))
    return;
  // Nova's common.get_pagination_params.
  size_t limit = 0;
  bool has_limit = c->has_param("limit");
  if (has_limit) {
    auto text = c->param("limit");
    if (!all_digits(text)) {
      reply_error(c, 400, "limit param must be an integer");
      return;
    }
    limit = std::stoul(text);
  }
  image_query q;
  q.auth = image_auth_of(c->ctx);
  q.name = f.name;
  q.status = f.status;
  ask_images<image_records>(
    api, std::move(q),
    [c, detail, f, limit, has_limit](image_records& r) {
      std::vector<const image*> items;
      for (auto& img : r.items)
        if (f.matches(img))
          items.push_back(&img);
      auto after = after_marker(c, items, [](const image* x) { return x->id; });
      if (!after) {
        reply_error(c, 400, "marker [" + c->param("marker") + "] not found");
        return;
      }
      auto start = *after;
      json::array out;
      for (size_t i = start;
           i < items.size() && (!has_limit || out.size() < limit); ++i)
        out.push_back(detail ? image_detail(*items[i], c->base)
                             : image_brief(*items[i], c->base));
      auto shown = out.size();
      json::object body{{"images", std::move(out)}};
      // Nova's _get_collection_links: a full page links the next one.
      if (has_limit && shown > 0 && shown == limit) {
        auto href = c->base.root + "/v2.1"
                    + (c->base.project_id.empty() ? ""
                                                  : "/" + c->base.project_id)
                    + "/images" + (detail ? "/detail" : "") + "?limit="
                    + std::to_string(limit) + "&marker="
                    + items[start + shown - 1]->id;
        body["images_links"] = json::array{
          json::object{{"rel", "next"}, {"href", href}}};
      }
      reply_json(c, 200, std::move(body));
    },
    [c](caf::error& err) { reply_error(c, err); });
}

void proxy_show(compute_api& api, const call_ptr& c, const std::string& id) {
  ask_images<image>(
    api, image_show{image_auth_of(c->ctx), id},
    [c](image& img) {
      reply_json(c, 200, json::object{{"image", image_detail(img, c->base)}});
    },
    [c](caf::error& err) {
      if (err == errc::image_not_found)
        reply_error(c, 404, "Image not found.");
      else
        reply_error(c, err);
    });
}

void proxy_delete(compute_api& api, const call_ptr& c, const std::string& id) {
  ask_images<image_removed>(
    api, image_remove{image_auth_of(c->ctx), id},
    [c](image_removed&) { reply_empty(c, 204); },
    [c](caf::error& err) {
      // nova/api/openstack/compute/images.py delete.
      if (err == errc::image_not_found)
        reply_error(c, 404, "Image not found.");
      else if (err == errc::image_not_authorized)
        reply_error(c, 403, "You are not allowed to delete the image.");
      else
        reply_error(c, err);
    });
}

// /images/{id}/metadata[/{key}], Nova's image metadata proxy until 2.38:
// the image's properties. Writes are refused as an image service that
// may not change the image refuses them (Nova's 403 ImageNotAuthorized):
// vmforge's image services change no properties (docs/api.md).
void image_metadata(compute_api& api, const call_ptr& c, const std::string& id) {
  using verb = beast_http::verb;
  auto method = c->req.method();
  auto one = c->path.size() == 4;
  auto key = one ? c->path[3] : std::string{};
  auto allowed = one ? method == verb::get || method == verb::put
                         || method == verb::delete_
                     : method == verb::get || method == verb::put
                         || method == verb::post;
  if (!allowed) {
    reply_bad_method(c);
    return;
  }
  if (method == verb::put || method == verb::post) {
    json::value storage;
    auto body = json_body(c, storage);
    if (!body)
      return;
    auto wrapper = one ? "meta" : "metadata";
    auto items = body->if_contains(wrapper);
    if (items == nullptr || !items->is_object() || body->size() != 1) {
      reply_error(c, 400, std::string{"Invalid input for field/attribute "}
                            + wrapper + ". '" + wrapper
                            + "' is a required property");
      return;
    }
    if (one && !items->as_object().contains(key)) {
      reply_error(c, 400, "Request body and URI mismatch");
      return;
    }
  }
  ask_images<image>(
    api, image_show{image_auth_of(c->ctx), id},
    [c, method, one, key](image& img) {
      json::object props;
      for (auto& [k, v] : img.properties)
        props[k] = v;
      if (method != verb::get) {
        if (method == verb::delete_ && img.properties.count(key) == 0)
          reply_error(c, 404, "Invalid metadata key");
        else
          reply_error(c, 403, "Not authorized for image " + img.id + ".");
        return;
      }
      if (!one) {
        reply_json(c, 200, json::object{{"metadata", std::move(props)}});
        return;
      }
      auto i = img.properties.find(key);
      if (i == img.properties.end()) {
        reply_error(c, 404, "The resource could not be found.");
        return;
      }
      reply_json(c, 200, json::object{{"meta", json::object{{key, i->second}}}});
    },
    [c](caf::error& err) {
      if (err == errc::image_not_found)
        reply_error(c, 404, "Image not found.");
      else if (err == errc::image_not_authorized)
        reply_error(c, 403, error_message(err));
      else
        reply_error(c, err);
    });
}

// -- the Glance-shaped endpoint -----------------------------------------------

// Glance's error bodies (docs/images.md A.10): plain text, or JSON when
// asked for it.
void reply_glance_error(const call_ptr& c, unsigned status,
                        const std::string& title, const std::string& message) {
  response res{static_cast<beast_http::status>(status), c->req.version()};
  res.set("x-openstack-request-id", c->request_id);
  auto accept = c->req.find(beast_http::field::accept);
  auto code = std::to_string(status) + " " + title;
  if (accept != c->req.end()
      && accept->value().find("application/json") != std::string::npos) {
    res.set(beast_http::field::content_type, "application/json");
    res.body() = json::serialize(
      json::object{{"message", message + "<br /><br />\n\n\n"},
                   {"code", code},
                   {"title", title}});
  } else {
    res.set(beast_http::field::content_type, "text/plain; charset=UTF-8");
    res.body() = code + "\n\n" + message + "\n\n   ";
  }
  respond(c, std::move(res));
}

void reply_glance_error(const call_ptr& c, const caf::error& err,
                        const std::string& id) {
  if (err == errc::image_not_found)
    reply_glance_error(c, 404, "Not Found", "No image found with ID " + id);
  else if (err == errc::image_not_authorized)
    reply_glance_error(c, 403, "Forbidden", error_message(err));
  else if (err == errc::service_unavailable
           || err == errc::glance_connection_failed)
    reply_glance_error(c, 503, "Service Unavailable", error_message(err));
  else
    reply_glance_error(c, 500, "Internal Server Error", error_message(err));
}

// The query string as Glance echoes it in `first` and `next`.
using query_items = std::vector<std::pair<std::string, std::string>>;

std::string query_of(const query_items& kv) {
  std::string out;
  for (auto& [k, v] : kv) {
    out += out.empty() ? "?" : "&";
    out += k + "=" + v;
  }
  return out;
}

void glance_list(compute_api& api, const call_ptr& c) {
  static const std::set<std::string> known{"name", "status", "visibility",
                                           "limit", "marker"};
  image_query q;
  q.auth = image_auth_of(c->ctx);
  q.name = c->param("name");
  q.status = c->param("status");
  q.visibility = c->param("visibility");
  size_t limit = 0;
  if (c->has_param("limit")) {
    auto text = c->param("limit");
    if (!all_digits(text)) {
      reply_glance_error(c, 400, "Bad Request",
                         "limit param must be an integer");
      return;
    }
    limit = std::stoul(text);
  }
  query_items echoed;
  for (auto& [k, v] : c->query)
    if (known.count(k) != 0 && k != "marker")
      echoed.emplace_back(k, v);
  ask_images<image_records>(
    api, std::move(q),
    [c, limit, echoed](image_records& r) {
      auto& items = r.items;
      auto after = after_marker(c, items, [](const image& x) { return x.id; });
      if (!after) {
        reply_glance_error(c, 400, "Bad Request",
                           "marker [" + c->param("marker") + "] not found");
        return;
      }
      auto start = *after;
      json::array out;
      for (size_t i = start;
           i < items.size() && (limit == 0 || out.size() < limit); ++i)
        out.push_back(glance_image(items[i]));
      auto shown = out.size();
      json::object body{{"images", std::move(out)},
                        {"first", "/v2/images" + query_of(echoed)},
                        {"schema", "/v2/schemas/images"}};
      if (limit != 0 && shown == limit && start + shown < items.size()) {
        auto next = echoed;
        next.emplace_back("marker", items[start + shown - 1].id);
        body["next"] = "/v2/images" + query_of(next);
      }
      reply_json(c, 200, std::move(body));
    },
    [c](caf::error& err) { reply_glance_error(c, err, ""); });
}

} // namespace

void route_images(compute_api& api, const call_ptr& c) {
  auto& path = c->path;
  // The image metadata proxy stays until 2.38
  // (MAX_IMAGE_META_PROXY_API_VERSION).
  if ((path.size() == 3 || path.size() == 4) && path[2] == "metadata") {
    if (c->version >= api_version{2, 39})
      reply_no_route(c);
    else
      image_metadata(api, c, path[1]);
    return;
  }
  // The proxy APIs left the Compute API at 2.36 (Nova's
  // MAX_PROXY_API_SUPPORT_VERSION is 2.35): 404 from then on.
  if (c->version >= api_version{2, 36}) {
    reply_no_route(c);
    return;
  }
  auto& p = c->path;
  if (p.size() > 2) {
    reply_no_route(c);
    return;
  }
  using verb = beast_http::verb;
  bool detail = p.size() == 2 && p[1] == "detail";
  if (p.size() == 2 && !detail && c->req.method() == verb::delete_) {
    proxy_delete(api, c, p[1]);
    return;
  }
  // DELETE /images/ (Tempest's blank id) names no image: Nova has no
  // route for it, 404.
  if (c->req.method() == verb::delete_) {
    reply_no_route(c);
    return;
  }
  if (c->req.method() != verb::get) {
    reply_bad_method(c);
    return;
  }
  if (p.size() == 2 && !detail)
    proxy_show(api, c, p[1]);
  else
    proxy_list(api, c, detail);
}

void route_glance_images(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  if (p.size() == 1) {
    glance_list(api, c);
    return;
  }
  auto id = p[1];
  ask_images<image>(
    api, image_show{image_auth_of(c->ctx), id},
    [c](image& img) { reply_json(c, 200, glance_image(img)); },
    [c, id](caf::error& err) { reply_glance_error(c, err, id); });
}

} // namespace vmforge::http
