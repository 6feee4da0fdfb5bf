#include "config/options.hpp"

namespace vmforge {

std::vector<flavor> default_flavors() {
  // id, name, vcpus, ram_mb, disk_gb (nova/db/main/migrations' classic set).
  return {
    {"1", "m1.tiny", 1, 512, 1, 0, 0, true},
    {"2", "m1.small", 1, 2048, 20, 0, 0, true},
    {"3", "m1.medium", 2, 4096, 40, 0, 0, true},
    {"4", "m1.large", 4, 8192, 80, 0, 0, true},
    {"5", "m1.xlarge", 8, 16384, 160, 0, 0, true},
  };
}

std::vector<image> default_images() {
  // Two, so that clients (and Tempest) can tell images apart.
  return {make_image("8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f",
               "cirros-0.6.2-x86_64-disk", "var/images/cirros.qcow2"),
          make_image("3f8b5c2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c",
               "cirros-0.6.2-x86_64-uefi", "var/images/cirros-uefi.qcow2")};
}

options default_options(int host_count) {
  options opts;
  opts.flavors = default_flavors();
  opts.images = default_images();
  for (int i = 1; i <= host_count; ++i) {
    host_config host;
    host.name = "compute-" + std::to_string(i);
    opts.hosts.push_back(host);
  }
  return opts;
}

std::optional<std::string> sqlite_file(const std::string& url) {
  const std::string scheme = "sqlite:///";
  if (url.size() <= scheme.size() || url.compare(0, scheme.size(), scheme) != 0)
    return std::nullopt;
  // Three slashes, then the path: absolute if it starts with another one.
  return url.substr(scheme.size());
}

std::string multi_instance_name(const std::string& tmpl, const std::string& name,
                                int64_t count, const std::string& uuid) {
  // The same three keys Nova substitutes.
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    auto take = [&](const char* key, const std::string& value) {
      std::string k = key;
      if (tmpl.compare(i, k.size(), k) != 0)
        return false;
      out += value;
      i += k.size();
      return true;
    };
    if (take("%(name)s", name) || take("%(count)d", std::to_string(count))
        || take("%(uuid)s", uuid))
      continue;
    out += tmpl[i++];
  }
  return out;
}

} // namespace vmforge
