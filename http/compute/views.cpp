#include "http/compute/views.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "util/digest.hpp"
#include "util/ipv4.hpp"
#include "util/uuid.hpp"

namespace vmforge::http {

namespace json = boost::json;

std::string link_base::self(const std::string& collection,
                            const std::string& id) const {
  return root + "/v2.1" + (project_id.empty() ? "" : "/" + project_id) + "/"
         + collection + "/" + id;
}

std::string link_base::bookmark(const std::string& collection,
                                const std::string& id) const {
  return root + (project_id.empty() ? "" : "/" + project_id) + "/" + collection
         + "/" + id;
}

json::array link_base::links(const std::string& collection,
                             const std::string& id) const {
  return {json::object{{"rel", "self"}, {"href", self(collection, id)}},
          json::object{{"rel", "bookmark"}, {"href", bookmark(collection, id)}}};
}

json::object fault_body(unsigned status, const std::string& message) {
  const char* name = "computeFault";
  switch (status) {
    case 400:
      name = "badRequest";
      break;
    case 401:
      name = "unauthorized";
      break;
    case 403:
      name = "forbidden";
      break;
    case 404:
      name = "itemNotFound";
      break;
    case 405:
      name = "badMethod";
      break;
    case 409:
      name = "conflictingRequest";
      break;
    case 413:
    case 429:
      name = "overLimit";
      break;
    case 415:
      name = "badMediaType";
      break;
    case 501:
      name = "notImplemented";
      break;
    case 503:
      name = "serviceUnavailable";
      break;
    default:
      break;
  }
  return {{name, json::object{{"code", status}, {"message", message}}}};
}

namespace {

std::tm utc(int64_t us) {
  auto secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

json::value or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

json::array security_groups(const instance& row) {
  json::array out;
  for (auto& g : row.security_groups)
    out.push_back(json::object{{"name", g}});
  return out;
}

} // namespace

std::string iso8601(int64_t us) {
  auto tm = utc(us);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string iso8601_micro(int64_t us) {
  auto tm = utc(us);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%06d", buf,
                static_cast<int>(us % 1000000));
  return out;
}

bool parse_iso8601(const std::string& text, int64_t& us) {
  std::tm tm{};
  int frac_us = 0;
  auto rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr)
    return false;
  if (*rest == '.') {
    ++rest;
    int digits = 0;
    while (*rest >= '0' && *rest <= '9') {
      if (digits < 6) {
        frac_us = frac_us * 10 + (*rest - '0');
        ++digits;
      }
      ++rest;
    }
    while (digits++ < 6)
      frac_us *= 10;
  }
  long offset = 0;
  if (*rest == 'Z') {
    ++rest;
  } else if (*rest == '+' || *rest == '-') {
    int hh = 0;
    int mm = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2)
      return false;
    offset = (hh * 3600L + mm * 60L) * (*rest == '+' ? 1 : -1);
    rest += 6;
  }
  if (*rest != '\0')
    return false;
  us = (static_cast<int64_t>(timegm(&tm)) - offset) * 1000000 + frac_us;
  return true;
}

std::string host_id(const std::string& project_id, const std::string& host) {
  if (host.empty())
    return {};
  return hex_digest(project_id + host, "SHA224");
}

std::string derive_status(vm_state vm, task_state task) {
  switch (vm) {
    case vm_state::building:
      return "BUILD";
    case vm_state::active:
      if (task == task_state::rebooting)
        return "REBOOT";
      if (task == task_state::rebooting_hard)
        return "HARD_REBOOT";
      if (task == task_state::rescuing)
        return "RESCUE";
      return "ACTIVE";
    case vm_state::stopped:
      return "SHUTOFF";
    case vm_state::paused:
      return "PAUSED";
    case vm_state::suspended:
      return "SUSPENDED";
    case vm_state::error:
      return "ERROR";
    case vm_state::deleted:
      return "DELETED";
    case vm_state::soft_deleted:
      return "SOFT_DELETED";
    case vm_state::shelved:
      return "SHELVED";
    case vm_state::shelved_offloaded:
      return "SHELVED_OFFLOADED";
    case vm_state::rescued:
      return "RESCUE";
  }
  return "UNKNOWN";
}

json::object addresses_view(const std::vector<vif>& vifs, bool extended) {
  json::object out;
  for (auto& v : vifs) {
    json::object ip{{"version", 4}, {"addr", v.address}};
    if (extended) {
      ip["OS-EXT-IPS:type"] = "fixed";
      ip["OS-EXT-IPS-MAC:mac_addr"] = v.mac;
    }
    auto& list = out[v.net.label];
    if (!list.is_array())
      list = json::array{};
    list.as_array().push_back(std::move(ip));
  }
  return out;
}

json::object network_view(const network& net, bool admin) {
  auto subnet = parse_ipv4_subnet(net.cidr).value_or(ipv4_subnet{});
  auto dns = [&](size_t i) {
    return i < net.dns.size() ? json::value(net.dns[i]) : json::value(nullptr);
  };
  json::object out{{"id", net.id},
                   {"cidr", net.cidr},
                   {"netmask", format_ipv4(subnet.mask())},
                   {"gateway", net.gateway},
                   {"broadcast", format_ipv4(subnet.broadcast())},
                   {"dns1", dns(0)},
                   {"dns2", dns(1)},
                   {"cidr_v6", nullptr},
                   {"gateway_v6", nullptr},
                   {"label", net.label},
                   {"netmask_v6", nullptr}};
  if (admin) {
    for (auto field :
         {"created_at", "updated_at", "deleted_at", "injected", "vlan",
          "vpn_public_address", "vpn_public_port", "vpn_private_address",
          "dhcp_start", "project_id", "host", "bridge_interface", "priority",
          "rxtx_base", "mtu", "dhcp_server"})
      out[field] = nullptr;
    out["deleted"] = false;
    out["bridge"] = net.bridge;
    out["multi_host"] = false;
    out["enable_dhcp"] = true;
    out["share_address"] = false;
  }
  return out;
}

std::string subnet_id_of(const network& net) {
  return make_name_uuid(net.id, net.cidr);
}

json::object neutron_network_view(const network& net) {
  // Every project shares the flat networks; none is external.
  return {{"id", net.id},
          {"name", net.label},
          {"status", "ACTIVE"},
          {"admin_state_up", true},
          {"shared", true},
          {"router:external", false},
          {"subnets", json::array{json::value(subnet_id_of(net))}},
          {"tenant_id", ""},
          {"project_id", ""},
          {"description", ""}};
}

json::object interface_view(const vif& v, bool tagged) {
  json::object out{
    {"port_state", "ACTIVE"},
    {"fixed_ips",
     json::array{json::object{{"subnet_id", subnet_id_of(v.net)},
                              {"ip_address", v.address}}}},
    {"port_id", v.id},
    {"net_id", v.net.id},
    {"mac_addr", v.mac}};
  if (tagged)
    out["tag"] = nullptr;
  return out;
}

json::object server_brief(const instance& row, const link_base& base) {
  return {{"id", row.id},
          {"name", row.name},
          {"links", base.links("servers", row.id)}};
}

json::object server_detail(const instance& row, const link_base& base,
                           const request_context& ctx, api_version version,
                           bool extended) {
  auto out = server_brief(row, base);
  auto status = derive_status(row.vm, row.task);
  out["status"] = status;
  out["tenant_id"] = row.project_id;
  out["user_id"] = row.user_id;
  json::object meta;
  for (auto& kv : row.metadata)
    meta[kv.first] = kv.second;
  out["metadata"] = std::move(meta);
  out["hostId"] = host_id(row.project_id, row.host);
  json::object image{
    {"id", row.image_id},
    {"links", json::array{json::object{
                {"rel", "bookmark"},
                {"href", base.bookmark("images", row.image_id)}}}}};
  if (version >= api_version{2, 98})
    image["properties"] = image_properties_view(row);
  out["image"] = std::move(image);
  out["flavor"] = version >= api_version{2, 47}
                    ? embedded_flavor(row.flavor_)
                    : json::object{
                        {"id", row.flavor_.id},
                        {"links", json::array{json::object{
                                    {"rel", "bookmark"},
                                    {"href", base.bookmark("flavors",
                                                           row.flavor_.id)}}}}};
  out["created"] = iso8601(row.created_us);
  out["updated"] = iso8601(row.updated_us);
  out["addresses"] = addresses_view(row.vifs, extended);
  out["accessIPv4"] = row.access_ipv4;
  out["accessIPv6"] = row.access_ipv6;
  out["OS-DCF:diskConfig"] = row.disk_config;
  if (extended) {
    out["OS-EXT-AZ:availability_zone"] =
      row.availability_zone.empty() ? "nova" : row.availability_zone;
    // Nova shows the column as it is stored: "True" or "".
    out["config_drive"] = row.config_drive ? "True" : "";
    out["key_name"] = or_null(row.key_name);
    out["security_groups"] = security_groups(row);
    out["OS-SRV-USG:launched_at"] =
      row.launched_us > 0 ? json::value(iso8601_micro(row.launched_us))
                          : json::value(nullptr);
    out["OS-SRV-USG:terminated_at"] =
      row.terminated_us > 0 ? json::value(iso8601_micro(row.terminated_us))
                            : json::value(nullptr);
    out["OS-EXT-STS:vm_state"] = to_string(row.vm);
    out["OS-EXT-STS:task_state"] =
      row.task == task_state::none ? json::value(nullptr)
                                   : json::value(to_string(row.task));
    out["OS-EXT-STS:power_state"] = static_cast<int>(row.power);
    out["os-extended-volumes:volumes_attached"] = json::array{};
  }
  if (status == "ACTIVE" || status == "BUILD")
    out["progress"] = 0;
  if (extended && ctx.is_admin) {
    out["OS-EXT-SRV-ATTR:host"] = or_null(row.host);
    out["OS-EXT-SRV-ATTR:hypervisor_hostname"] = or_null(row.host);
    out["OS-EXT-SRV-ATTR:instance_name"] = instance_name(row.db_id);
  }
  // 2.3 shows admins the hostname, 2.90 everyone (and in PUT's answer).
  if ((extended && ctx.is_admin && version >= api_version{2, 3})
      || version >= api_version{2, 90})
    out["OS-EXT-SRV-ATTR:hostname"] = row.hostname;
  if (row.has_fault && (row.vm == vm_state::error
                        || row.vm == vm_state::deleted)) {
    json::object f{{"code", row.fault_.code},
                   {"message", row.fault_.message},
                   {"created", iso8601(row.fault_.created_us)}};
    if (ctx.is_admin || row.fault_.code != 500)
      f["details"] = row.fault_.details;
    out["fault"] = std::move(f);
  }
  if (version >= api_version{2, 9})
    out["locked"] = row.locked;
  if (version >= api_version{2, 19})
    out["description"] = row.has_description ? json::value(row.description)
                                             : json::value(nullptr);
  if (version >= api_version{2, 26}) {
    json::array tags;
    for (auto& t : row.tags)
      tags.emplace_back(t);
    out["tags"] = std::move(tags);
  }
  if (extended && version >= api_version{2, 63}) {
    json::array certs;
    for (auto& id : row.trusted_certs)
      certs.emplace_back(id);
    out["trusted_image_certificates"] =
      certs.empty() ? json::value(nullptr) : json::value(std::move(certs));
  }
  if (version >= api_version{2, 73})
    out["locked_reason"] = or_null(row.locked_reason);
  if (version >= api_version{2, 96})
    out["pinned_availability_zone"] = or_null(row.pinned_availability_zone);
  if (version >= api_version{2, 100}) {
    json::object hints;
    for (auto& kv : row.scheduler_hints) {
      json::array values;
      for (auto& v : kv.second)
        values.emplace_back(v);
      hints[kv.first] = std::move(values);
    }
    out["scheduler_hints"] = std::move(hints);
  }
  return out;
}

json::object embedded_flavor(const flavor& f) {
  json::object specs;
  for (auto& kv : f.extra_specs)
    specs[kv.first] = kv.second;
  // extra_specs: Nova's servers:show:flavor-extra-specs policy lets every
  // reader of the server see them (PROJECT_READER_OR_ADMIN).
  return {{"vcpus", f.vcpus},
          {"ram", f.ram_mb},
          {"disk", f.disk_gb},
          {"ephemeral", f.ephemeral_gb},
          {"swap", f.swap_mb},
          {"original_name", f.name},
          {"extra_specs", std::move(specs)}};
}

json::object image_properties_view(const instance& row) {
  // Nova's image_meta.properties: the system metadata image_* keys the
  // create copied from the image, without Nova's own base_image_ref.
  json::object out;
  const std::string prefix = "image_";
  for (auto& kv : row.system_metadata)
    if (kv.first.compare(0, prefix.size(), prefix) == 0
        && kv.first != "image_base_image_ref")
      out[kv.first.substr(prefix.size())] = kv.second;
  return out;
}

json::object flavor_brief(const flavor& f, const link_base& base,
                          api_version version) {
  json::object out{
    {"id", f.id}, {"name", f.name}, {"links", base.links("flavors", f.id)}};
  if (version >= api_version{2, 55})
    out["description"] = f.has_description ? json::value(f.description)
                                           : json::value(nullptr);
  return out;
}

json::object flavor_detail(const flavor& f, const link_base& base,
                           api_version version) {
  auto out = flavor_brief(f, base, version);
  out["ram"] = f.ram_mb;
  out["disk"] = f.disk_gb;
  out["vcpus"] = f.vcpus;
  out["swap"] = f.swap_mb == 0 ? json::value("") : json::value(f.swap_mb);
  out["OS-FLV-EXT-DATA:ephemeral"] = f.ephemeral_gb;
  out["OS-FLV-DISABLED:disabled"] = false;
  out["os-flavor-access:is_public"] = f.is_public;
  out["rxtx_factor"] = 1.0;
  // 2.61: every caller passes os-flavor-extra-specs:index, whose default
  // rule is any project member.
  if (version >= api_version{2, 61}) {
    json::object specs;
    for (auto& kv : f.extra_specs)
      specs[kv.first] = kv.second;
    out["extra_specs"] = std::move(specs);
  }
  return out;
}

json::object image_brief(const image& i, const link_base& base) {
  auto links = base.links("images", i.id);
  // Nova's alternate link: the image service's root (generate_glance_url),
  // which for the embedded back end is vmforge's own.
  links.push_back(json::object{
    {"rel", "alternate"},
    {"type", "application/vnd.openstack.image"},
    {"href", base.root + "/images/" + i.id}});
  return {{"id", i.id}, {"name", i.name}, {"links", std::move(links)}};
}

std::string image_status(const std::string& glance_status) {
  // nova/api/openstack/compute/views/images.py _get_status.
  static const std::pair<const char*, const char*> map[] = {
    {"active", "ACTIVE"},    {"queued", "SAVING"},
    {"saving", "SAVING"},    {"deleted", "DELETED"},
    {"pending_delete", "DELETED"}, {"killed", "ERROR"}};
  for (auto& [from, to] : map)
    if (glance_status == from)
      return to;
  return "UNKNOWN";
}

namespace {

int64_t image_progress(const std::string& status) {
  if (status == "queued")
    return 25;
  if (status == "saving")
    return 50;
  return status == "active" ? 100 : 0;
}

// oslo_utils.strutils.bool_from_string, non-strict.
bool bool_from_string(std::string s) {
  auto b = s.find_first_not_of(" \t");
  s = b == std::string::npos ? "" : s.substr(b, s.find_last_not_of(" \t") - b + 1);
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "1" || s == "t" || s == "true" || s == "on" || s == "y"
         || s == "yes";
}

json::value text_or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

} // namespace

json::object image_detail(const image& i, const link_base& base) {
  // nova/api/openstack/compute/views/images.py show.
  auto out = image_brief(i, base);
  out["minRam"] = i.min_ram_mb;
  out["minDisk"] = i.min_disk_gb;
  json::object metadata;
  for (auto& kv : i.properties)
    metadata[kv.first] = kv.second;
  out["metadata"] = std::move(metadata);
  out["created"] = text_or_null(i.created_at);
  out["updated"] = text_or_null(i.updated_at);
  out["status"] = image_status(i.status);
  out["progress"] = image_progress(i.status);
  // Nova reads Glance's null size as 0.
  out["OS-EXT-IMG-SIZE:size"] = i.size < 0 ? 0 : i.size;
  if (auto u = i.properties.find("instance_uuid"); u != i.properties.end())
    out["server"] = json::object{{"id", u->second},
                                 {"links", base.links("servers", u->second)}};
  if (auto adc = i.properties.find("auto_disk_config");
      adc != i.properties.end())
    out["OS-DCF:diskConfig"] = bool_from_string(adc->second) ? "AUTO"
                                                             : "MANUAL";
  return out;
}

json::object glance_image(const image& i) {
  // Glance v2's record (docs/images.md A.2, A.3): the base keys, every
  // other property a top-level string beside them.
  json::object out;
  for (auto& kv : i.properties)
    out[kv.first] = kv.second;
  auto number_or_null = [](int64_t n) {
    return n < 0 ? json::value(nullptr) : json::value(n);
  };
  out["id"] = i.id;
  out["name"] = text_or_null(i.name);
  out["status"] = i.status;
  out["visibility"] = i.visibility;
  out["protected"] = i.is_protected;
  out["os_hidden"] = false;
  out["checksum"] = text_or_null(i.checksum);
  out["os_hash_algo"] = text_or_null(i.os_hash_algo);
  out["os_hash_value"] = text_or_null(i.os_hash_value);
  out["owner"] = text_or_null(i.owner);
  out["size"] = number_or_null(i.size);
  out["virtual_size"] = number_or_null(i.virtual_size);
  out["min_ram"] = i.min_ram_mb;
  out["min_disk"] = i.min_disk_gb;
  out["disk_format"] = text_or_null(i.disk_format);
  out["container_format"] = text_or_null(i.container_format);
  out["created_at"] = i.created_at;
  out["updated_at"] = i.updated_at;
  out["tags"] = json::array{};
  out["self"] = "/v2/images/" + i.id;
  out["file"] = "/v2/images/" + i.id + "/file";
  out["schema"] = "/v2/schemas/image";
  return out;
}

json::object glance_versions(const std::string& root) {
  // Glance's GET /versions (A.1), reduced to the one version vmforge's
  // read-only stand-in speaks.
  return {{"versions",
           json::array{json::object{
             {"id", "v2.0"},
             {"status", "CURRENT"},
             {"links", json::array{json::object{
                         {"rel", "self"}, {"href", root + "/v2/"}}}}}}}};
}

json::object version_v21(const std::string& root) {
  return {{"id", "v2.1"},
          {"status", "CURRENT"},
          {"version", max_version.str()},
          {"min_version", min_version.str()},
          {"updated", "2013-07-23T11:33:21Z"},
          {"links",
           json::array{json::object{{"rel", "self"}, {"href", root + "/v2.1/"}},
                       json::object{{"rel", "describedby"},
                                    {"type", "text/html"},
                                    {"href", "http://docs.openstack.org/"}}}},
          {"media-types",
           json::array{json::object{
             {"base", "application/json"},
             {"type",
              "application/vnd.openstack.compute+json;version=2.1"}}}}};
}

json::object versions(const std::string& root) {
  json::object v20{{"id", "v2.0"},
                   {"status", "SUPPORTED"},
                   {"version", ""},
                   {"min_version", ""},
                   {"updated", "2011-01-21T11:33:21Z"},
                   {"links", json::array{json::object{
                               {"rel", "self"}, {"href", root + "/v2/"}}}}};
  auto v21 = version_v21(root);
  v21.erase("media-types");
  v21["links"] = json::array{
    json::object{{"rel", "self"}, {"href", root + "/v2.1/"}}};
  return {{"versions", json::array{std::move(v20), std::move(v21)}}};
}

} // namespace vmforge::http
