#include "drivers/config_drive.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "util/base64.hpp"

namespace vmforge {

namespace json = boost::json;

namespace {

// The dated versions of Nova's OPENSTACK_VERSIONS (Folsom to Victoria),
// each with the release that added a file: vendor_data.json came with
// Havana, network_data.json with Liberty, vendor_data2.json with Newton.
const std::vector<std::string> versions = {
  "2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30",
  "2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14", "latest"};
constexpr const char* havana = "2013-10-17";
constexpr const char* liberty = "2015-10-15";
constexpr const char* newton_two = "2016-10-06";

// Decodes UTF-8 into code points; a byte that starts no valid sequence is
// taken as the Latin-1 character it is.
std::vector<uint32_t> code_points(const std::string& s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                                             : (c >> 3) == 30   ? 4
                                                                : 0;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    auto ok = n != 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      ok = (d >> 6) == 2;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (!ok) {
      out.push_back(c);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Python's \w on Latin-1: letters and digits (ª ² ³ µ ¹ º ¼-¾ too), '_'.
bool word_char(uint32_t cp) {
  if (cp < 0x80)
    return std::isalnum(static_cast<int>(cp)) != 0 || cp == '_';
  return cp == 0xaa || cp == 0xb2 || cp == 0xb3 || cp == 0xb5 || cp == 0xb9
         || cp == 0xba || (cp >= 0xbc && cp <= 0xbe)
         || (cp >= 0xc0 && cp != 0xd7 && cp != 0xf7);
}

uint32_t lower(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z')
    return cp + 32;
  if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
    return cp + 32;
  return cp;
}

// The dotted netmask of a CIDR's prefix length.
std::string netmask_of(const std::string& cidr) {
  auto slash = cidr.find('/');
  int prefix = slash == std::string::npos ? 32 : std::stoi(cidr.substr(slash + 1));
  uint32_t mask = prefix <= 0 ? 0 : 0xffffffffu << (32 - std::min(prefix, 32));
  return std::to_string(mask >> 24) + "." + std::to_string((mask >> 16) & 0xff)
         + "." + std::to_string((mask >> 8) & 0xff) + "."
         + std::to_string(mask & 0xff);
}

json::array dns_services(const std::vector<std::string>& servers) {
  json::array out;
  for (auto& address : servers)
    out.push_back(json::object{{"type", "dns"}, {"address", address}});
  return out;
}

// Nova's netutils.get_network_metadata for static IPv4 addresses: one link
// per interface (named as its tap device, tap + the port id's first 11
// characters), one network per address with its default route, and the
// DNS servers of all of them.
json::object network_data(const std::vector<vif>& vifs) {
  json::array links, networks;
  std::vector<std::string> all_dns;
  for (size_t i = 0; i < vifs.size(); ++i) {
    auto& v = vifs[i];
    auto link = "tap" + v.id.substr(0, 11);
    links.push_back(json::object{{"id", link},
                                 {"vif_id", v.id},
                                 {"type", "bridge"},
                                 {"mtu", nullptr},
                                 {"ethernet_mac_address", v.mac}});
    json::array routes;
    if (!v.net.gateway.empty())
      routes.push_back(json::object{{"network", "0.0.0.0"},
                                    {"netmask", "0.0.0.0"},
                                    {"gateway", v.net.gateway}});
    networks.push_back(json::object{{"id", "network" + std::to_string(i)},
                                    {"type", "ipv4"},
                                    {"link", link},
                                    {"ip_address", v.address},
                                    {"netmask", netmask_of(v.net.cidr)},
                                    {"routes", std::move(routes)},
                                    {"network_id", v.net.id},
                                    {"services", dns_services(v.net.dns)}});
    for (auto& d : v.net.dns)
      if (std::find(all_dns.begin(), all_dns.end(), d) == all_dns.end())
        all_dns.push_back(d);
  }
  return json::object{{"links", std::move(links)},
                      {"networks", std::move(networks)},
                      {"services", dns_services(all_dns)}};
}

json::object meta_data(const spawn_spec& spec, const std::string& dhcp_domain) {
  auto host = sanitize_hostname(spec.display_name, "Server-" + spec.instance_id);
  if (!dhcp_domain.empty())
    host += "." + dhcp_domain;
  json::object meta;
  for (auto& kv : spec.guest.metadata)
    meta[kv.first] = kv.second;
  json::object md{{"uuid", spec.instance_id},
                  {"name", spec.display_name},
                  {"hostname", host},
                  {"launch_index", 0},
                  {"availability_zone", spec.availability_zone},
                  {"project_id", spec.project_id},
                  {"meta", std::move(meta)},
                  {"devices", json::array{}}};
  if (!spec.guest.key_name.empty() || !spec.guest.key_data.empty()) {
    md["public_keys"] = json::object{{spec.guest.key_name, spec.guest.key_data}};
    md["keys"] = json::array{json::object{{"name", spec.guest.key_name},
                                          {"type", "ssh"},
                                          {"data", spec.guest.key_data}}};
  }
  return md;
}

} // namespace

std::string sanitize_hostname(const std::string& name,
                              const std::string& default_name) {
  std::vector<uint32_t> cps;
  for (auto cp : code_points(name))
    if (cp <= 0xff && cps.size() < 63)
      cps.push_back(cp);
  std::string out;
  for (auto cp : cps) {
    if (cp == ' ' || cp == '_' || cp == '.')
      out += '-';
    else if (cp == '-' || word_char(cp))
      append_utf8(out, lower(cp));
  }
  auto first = out.find_first_not_of(".-");
  if (first == std::string::npos)
    return default_name.substr(0, 63);
  auto last = out.find_last_not_of(".-");
  return out.substr(first, last - first + 1);
}

std::map<std::string, std::string>
config_drive_files(const spawn_spec& spec, const std::string& dhcp_domain) {
  std::string user_data;
  auto has_user_data = !spec.guest.user_data.empty();
  if (has_user_data && !base64_decode(spec.guest.user_data, user_data))
    throw std::invalid_argument("user_data of instance " + spec.instance_id
                                + " is not base64");
  auto md = json::serialize(meta_data(spec, dhcp_domain));
  auto net = json::serialize(network_data(spec.vifs));
  std::map<std::string, std::string> files;
  for (auto& v : versions) {
    auto dir = "openstack/" + v + "/";
    // The dated names sort as the releases do; "latest" has everything.
    auto since = [&](const char* release) { return v == "latest" || v >= release; };
    files[dir + "meta_data.json"] = md;
    if (has_user_data)
      files[dir + "user_data"] = user_data;
    if (since(havana))
      files[dir + "vendor_data.json"] = "{}";
    if (since(liberty))
      files[dir + "network_data.json"] = net;
    if (since(newton_two))
      files[dir + "vendor_data2.json"] = "{}";
  }
  return files;
}

} // namespace vmforge
