#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "images/image_service.hpp"
#include "messages/image.hpp"

// The controller's image service as an actor (a pool of detached workers
// in front of images::image_service): the API handler asks it and never
// blocks. Errors come back as Nova's (image_not_found, ...), see
// messages/errors.hpp.
namespace vmforge {

struct image_show {
  image_auth auth;
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_show& x) {
  return f(caf::meta::type_name("image_show"), x.auth, x.id);
}

struct image_query {
  image_auth auth;
  std::string name;
  std::string status;
  std::string visibility;
  uint64_t limit = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_query& x) {
  return f(caf::meta::type_name("image_query"), x.auth, x.name, x.status,
           x.visibility, x.limit);
}

struct image_records {
  std::vector<image> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_records& x) {
  return f(caf::meta::type_name("image_records"), x.items);
}

/// A new queued image (a snapshot's record, made before the host's work).
struct image_new {
  image_auth auth;
  std::string name;
  std::string visibility = "private";
  std::map<std::string, std::string> properties;
  int64_t min_ram_mb = 0;
  int64_t min_disk_gb = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_new& x) {
  return f(caf::meta::type_name("image_new"), x.auth, x.name, x.visibility,
           x.properties, x.min_ram_mb, x.min_disk_gb);
}

struct image_remove {
  image_auth auth;
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_remove& x) {
  return f(caf::meta::type_name("image_remove"), x.auth, x.id);
}

/// The answer of image_remove.
struct image_removed {
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_removed& x) {
  return f(caf::meta::type_name("image_removed"), x.id);
}

using image_actor = caf::typed_actor<
  caf::replies_to<image_show>::with<image>,
  caf::replies_to<image_query>::with<image_records>,
  caf::replies_to<image_new>::with<image>,
  caf::replies_to<image_remove>::with<image_removed>>;

} // namespace vmforge
