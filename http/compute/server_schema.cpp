#include "http/compute/server_schema.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <regex>
#include <set>

#include <boost/json/serialize.hpp>

#include "util/uuid.hpp"

namespace vmforge::http {

namespace json = boost::json;

std::string show(const json::value& v) {
  return v.is_string() ? std::string{v.as_string().c_str()} : json::serialize(v);
}

bool invalid(std::string& error, const std::string& field,
             const json::value& v, const std::string& why) {
  error = "Invalid input for field/attribute " + field + ". Value: " + show(v)
          + ". " + why;
  return false;
}

namespace {

bool no_extra(const json::object& o, const std::set<std::string>& allowed,
              std::string& error) {
  for (auto& kv : o) {
    std::string key{kv.key()};
    if (allowed.count(key) == 0) {
      error = "Additional properties are not allowed ('" + key
              + "' was unexpected)";
      return false;
    }
  }
  return true;
}

bool string_field(const json::value& v, const std::string& field,
                  std::string& out, std::string& error, size_t max_len = 255) {
  if (!v.is_string())
    return invalid(error, field, v, show(v) + " is not of type 'string'");
  out = v.as_string().c_str();
  if (out.size() > max_len)
    return invalid(error, field, v, "'" + out + "' is too long");
  return true;
}

// Nova's positive integer: an integer, or a string of digits, >= 1.
bool count_field(const json::value& v, const std::string& field, int64_t& out,
                 std::string& error) {
  if (v.is_int64()) {
    out = v.as_int64();
  } else if (v.is_uint64()) {
    out = static_cast<int64_t>(v.as_uint64());
  } else if (v.is_string()) {
    std::string s{v.as_string().c_str()};
    if (s.empty() || s.size() > 9
        || !std::all_of(s.begin(), s.end(), ::isdigit))
      return invalid(error, field, v, "'" + s + "' does not match '^[0-9]*$'");
    out = std::stoll(s);
  } else {
    return invalid(error, field, v,
                   show(v) + " is not of type 'integer', 'string'");
  }
  if (out < 1)
    return invalid(error, field, v,
                   show(v) + " is less than the minimum of 1");
  return true;
}

} // namespace

bool bool_field(const json::value& v, const std::string& field, bool& out,
                std::string& error) {
  if (v.is_bool()) {
    out = v.as_bool();
    return true;
  }
  if (v.is_string()) {
    // Nova's parameter_types.boolean also takes these strings.
    static const std::set<std::string> yes{"1", "t", "true", "on", "y", "yes"};
    static const std::set<std::string> no{"0", "f", "false", "off", "n", "no"};
    std::string s{v.as_string().c_str()};
    for (auto& ch : s)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (yes.count(s) || no.count(s)) {
      out = yes.count(s) != 0;
      return true;
    }
  }
  return invalid(error, field, v, show(v) + " is not of type 'boolean'");
}

bool parse_metadata(const json::value& v,
                    std::map<std::string, std::string>& out, std::string& error) {
  if (!v.is_object())
    return invalid(error, "metadata", v, show(v) + " is not of type 'object'");
  static const std::regex key_pattern{"^[a-zA-Z0-9-_:. ]{1,255}$"};
  for (auto& kv : v.as_object()) {
    std::string key{kv.key()};
    if (!std::regex_match(key, key_pattern)) {
      error = "Invalid input for field/attribute metadata. Value: "
              + json::serialize(v) + ". Additional properties are not allowed ('"
              + key + "' does not match any of the regexes: "
                      "'^[a-zA-Z0-9-_:. ]{1,255}$')";
      return false;
    }
    std::string value;
    if (!string_field(kv.value(), "metadata", value, error))
      return false;
    out[key] = value;
  }
  return true;
}

namespace {

bool networks_field(const json::value& v, api_version version,
                    network_request& out, std::string& error) {
  if (v.is_string()) {
    std::string s{v.as_string().c_str()};
    if (version >= api_version{2, 37} && (s == "auto" || s == "none")) {
      out.mode = s == "none" ? network_mode::none : network_mode::automatic;
      return true;
    }
    return invalid(error, "networks", v,
                   show(v) + " is not of type 'array'");
  }
  if (!v.is_array())
    return invalid(error, "networks", v, show(v) + " is not of type 'array'");
  std::set<std::string> ports;
  for (auto& item : v.as_array()) {
    if (!item.is_object())
      return invalid(error, "networks", v,
                     show(item) + " is not of type 'object'");
    auto& net = item.as_object();
    if (!no_extra(net, {"uuid", "port", "fixed_ip", "tag"}, error))
      return false;
    if (auto p = net.if_contains("port"); p && !p->is_null()) {
      if (!p->is_string() || !is_uuid(p->as_string().c_str()))
        return invalid(error, "networks/port", *p, "is not a 'uuid'");
      if (!ports.insert(p->as_string().c_str()).second) {
        error = "Network " + std::string{p->as_string().c_str()}
                + " is duplicated.";
        return false;
      }
      if (net.if_contains("fixed_ip")) {
        error = "Invalid input for field/attribute networks. The port "
                "and fixed_ip can not be specified together.";
        return false;
      }
      error = "Port " + std::string{p->as_string().c_str()}
              + " could not be found.";
      return false;
    }
    requested_network want;
    if (auto ip = net.if_contains("fixed_ip")) {
      if (!ip->is_string()
          || !(is_ipv4(ip->as_string().c_str())
               || is_ipv6(ip->as_string().c_str())))
        return invalid(error, "networks/fixed_ip", *ip, "is not a 'ip'");
      want.fixed_ip = ip->as_string().c_str();
    }
    auto uuid = net.if_contains("uuid");
    if (uuid == nullptr || !uuid->is_string()
        || !is_uuid(uuid->as_string().c_str())) {
      error = "Bad networks format: network uuid is not in proper format ("
              + (uuid ? show(*uuid) : std::string{}) + ")";
      return false;
    }
    // Whether the network exists is the API actor's (check_networks).
    want.network_id = uuid->as_string().c_str();
    out.listed.push_back(std::move(want));
  }
  out.mode = network_mode::listed;
  return true;
}

// The "server" object of a body whose other top-level keys may be `top`,
// holding only `fields` (and description from 2.19).
const json::object* server_object(const json::object& body,
                                  const std::set<std::string>& top,
                                  std::set<std::string> fields,
                                  api_version version, std::string& error) {
  if (!no_extra(body, top, error))
    return nullptr;
  auto sv = body.if_contains("server");
  if (sv == nullptr || !sv->is_object()) {
    error = "Invalid input for field/attribute server. 'server' is a "
            "required property";
    return nullptr;
  }
  if (version >= api_version{2, 19})
    fields.insert("description");
  if (!no_extra(sv->as_object(), fields, error))
    return nullptr;
  return &sv->as_object();
}

// accessIPv4 / accessIPv6, if given (IPv6 kept in canonical form).
bool access_ip(const json::object& s, const char* field, bool v6, bool& set,
               std::string& out, std::string& error) {
  auto v = s.if_contains(field);
  if (v == nullptr)
    return true;
  if (!v->is_string() || !(v6 ? is_ipv6 : is_ipv4)(v->as_string().c_str()))
    return invalid(error, field, *v,
                   v6 ? "is not a 'ipv6'" : "is not a 'ipv4'");
  set = true;
  out = v6 ? canonical_ipv6(v->as_string().c_str())
           : std::string{v->as_string().c_str()};
  return true;
}

// description (2.19+), if given; null clears it.
bool description_field(const json::object& s, bool& set, bool& has,
                       std::string& out, std::string& error) {
  auto v = s.if_contains("description");
  if (v == nullptr)
    return true;
  set = true;
  if (v->is_null())
    return true;
  if (!string_field(*v, "description", out, error))
    return false;
  has = true;
  return true;
}

} // namespace

bool is_ipv4(const std::string& s) {
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& s) {
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

std::string canonical_ipv6(const std::string& s) {
  in6_addr a{};
  if (inet_pton(AF_INET6, s.c_str(), &a) != 1)
    return s;
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &a, buf, sizeof(buf));
  return buf;
}

bool is_base64(const std::string& s) {
  if (s.size() % 4 != 0)
    return false;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = s[i];
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad > 0 || !(std::isalnum(static_cast<unsigned char>(c)) || c == '+'
                     || c == '/'))
      return false;
  }
  return pad <= 2;
}

bool valid_name(const json::value& v, std::string& error) {
  if (!v.is_string())
    return invalid(error, "name", v, show(v) + " is not of type 'string'");
  std::string s{v.as_string().c_str()};
  if (s.empty())
    return invalid(error, "name", v, "'' is too short");
  if (s.size() > 255)
    return invalid(error, "name", v, "'" + s + "' is too long");
  if (std::isspace(static_cast<unsigned char>(s.front()))
      || std::isspace(static_cast<unsigned char>(s.back())))
    return invalid(error, "name", v,
                   "An invalid 'name' value was provided. The name must not "
                   "have leading or trailing whitespace.");
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f)
      return invalid(error, "name", v,
                     "An invalid 'name' value was provided. The name must "
                     "consist of printable characters.");
  return true;
}

namespace {

// Nova's create fields by microversion (schemas/servers.py create_v2NN).
std::set<std::string> create_fields(api_version version) {
  std::set<std::string> out{
    "name", "imageRef", "flavorRef", "adminPass", "metadata", "networks",
    "min_count", "max_count", "return_reservation_id", "availability_zone",
    "key_name", "user_data", "security_groups", "accessIPv4", "accessIPv6",
    "OS-DCF:diskConfig", "config_drive", "block_device_mapping",
    "block_device_mapping_v2"};
  if (!(version >= api_version{2, 57}))
    out.insert("personality");
  if (version >= api_version{2, 52})
    out.insert("tags");
  if (version >= api_version{2, 63})
    out.insert("trusted_image_certificates");
  if (version >= api_version{2, 90})
    out.insert("hostname");
  return out;
}

} // namespace

bool valid_tag(const json::value& v, std::string& out, std::string& error) {
  const std::string field = "tags";
  if (!string_field(v, field, out, error, 60))
    return false;
  if (out.empty())
    return invalid(error, field, v, "'' is too short");
  if (out.find_first_of(",/") != std::string::npos)
    return invalid(error, field, v, "'" + out + "' does not match '^[^,/]*$'");
  return true;
}

bool parse_tags(const json::value& v, std::vector<std::string>& out,
                std::string& error) {
  if (!v.is_array())
    return invalid(error, "tags", v, show(v) + " is not of type 'array'");
  if (v.as_array().size() > max_tags)
    return invalid(error, "tags", v, show(v) + " is too long");
  for (auto& t : v.as_array()) {
    std::string tag;
    if (!valid_tag(t, tag, error))
      return false;
    out.push_back(std::move(tag));
  }
  return true;
}

namespace {

// parameter_types.trusted_certs: 1-50 unique non-empty strings, or null.
bool trusted_certs_field(const json::value& v, std::vector<std::string>& out,
                         std::string& error) {
  const char* field = "trusted_image_certificates";
  if (v.is_null())
    return true;
  if (!v.is_array())
    return invalid(error, field, v,
                   show(v) + " is not of type 'array', 'null'");
  auto& a = v.as_array();
  if (a.empty())
    return invalid(error, field, v, "[] is too short");
  if (a.size() > 50)
    return invalid(error, field, v, show(v) + " is too long");
  for (auto& c : a) {
    std::string id;
    if (!string_field(c, field, id, error, SIZE_MAX))
      return false;
    if (id.empty())
      return invalid(error, field, c, "'' is too short");
    if (std::find(out.begin(), out.end(), id) != out.end())
      return invalid(error, field, v, show(v) + " has non-unique elements");
    out.push_back(std::move(id));
  }
  return true;
}

// os:scheduler_hints as Nova's RequestSpec keeps them: a value that is not
// a list becomes a list of one, and every item its string form. Of the
// values only `group` has a schema of its own (a uuid).
bool hints_field(const json::value& v, const std::string& field,
                 std::map<std::string, std::vector<std::string>>& out,
                 std::string& error) {
  if (!v.is_object())
    return invalid(error, field, v, show(v) + " is not of type 'object'");
  if (auto g = v.as_object().if_contains("group");
      g && (!g->is_string() || !is_uuid(g->as_string().c_str())))
    return invalid(error, "group", *g, show(*g) + " is not a 'uuid'");
  for (auto& kv : v.as_object()) {
    auto& values = out[std::string{kv.key()}];
    auto add = [&](const json::value& x) { values.push_back(show(x)); };
    if (kv.value().is_array())
      for (auto& x : kv.value().as_array())
        add(x);
    else
      add(kv.value());
  }
  return true;
}

} // namespace

bool valid_hostname(const json::value& v, api_version version,
                    std::string& out, std::string& error) {
  // parameter_types.hostname (2.90), fqdn from 2.94.
  bool fqdn = version >= api_version{2, 94};
  if (!string_field(v, "hostname", out, error, fqdn ? 255 : 63))
    return false;
  if (out.size() < (fqdn ? 1u : 2u))
    return invalid(error, "hostname", v, "'" + out + "' is too short");
  static const std::regex short_form{"^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$"};
  static const std::regex fqdn_form{"^[a-zA-Z0-9-._]*$"};
  if (!std::regex_match(out, fqdn ? fqdn_form : short_form))
    return invalid(error, "hostname", v,
                   "'" + out + "' does not match '"
                     + (fqdn ? "^[a-zA-Z0-9-._]*$"
                             : "^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$")
                     + "'");
  return true;
}

bool parse_lock(const json::value& v, api_version version, std::string& reason,
                std::string& error) {
  // Nova's lock takes anything before 2.73 (schemas/lock_server.py).
  if (!(version >= api_version{2, 73}) || v.is_null())
    return true;
  if (!v.is_object())
    return invalid(error, "lock", v, show(v) + " is not of type 'object', 'null'");
  auto& o = v.as_object();
  if (!no_extra(o, {"locked_reason"}, error))
    return false;
  if (auto r = o.if_contains("locked_reason")) {
    if (!string_field(*r, "locked_reason", reason, error))
      return false;
    if (reason.empty())
      return invalid(error, "locked_reason", *r, "'' is too short");
  }
  return true;
}

namespace {

// OS-DCF:diskConfig (Nova's disk_config schema, create and update).
bool disk_config_field(const json::object& s, bool& given, std::string& out,
                       std::string& error) {
  auto v = s.if_contains("OS-DCF:diskConfig");
  if (v == nullptr)
    return true;
  if (!v->is_string()
      || (v->as_string() != "AUTO" && v->as_string() != "MANUAL"))
    return invalid(error, "OS-DCF:diskConfig", *v,
                   show(*v) + " is not one of ['AUTO', 'MANUAL']");
  given = true;
  out = v->as_string().c_str();
  return true;
}

} // namespace

bool parse_create(const json::object& body, api_version version,
                  create_input& out, std::string& error) {
  auto sp = server_object(
    body, {"server", "os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"},
    create_fields(version), version, error);
  if (sp == nullptr)
    return false;
  auto& s = *sp;
  auto& req = out.req;
  auto name = s.if_contains("name");
  if (name == nullptr) {
    error = "Invalid input for field/attribute server. 'name' is a required "
            "property";
    return false;
  }
  if (!valid_name(*name, error))
    return false;
  req.name = name->as_string().c_str();
  auto flavor_ref = s.if_contains("flavorRef");
  if (flavor_ref == nullptr) {
    error = "Invalid input for field/attribute server. 'flavorRef' is a "
            "required property";
    return false;
  }
  if (flavor_ref->is_int64())
    req.flavor_ref = std::to_string(flavor_ref->as_int64());
  else if (flavor_ref->is_string() && !flavor_ref->as_string().empty())
    req.flavor_ref = flavor_ref->as_string().c_str();
  else
    return invalid(error, "flavorRef", *flavor_ref,
                   show(*flavor_ref) + " is not valid under any of the given "
                                       "schemas");
  bool has_bdm = s.if_contains("block_device_mapping")
                 || s.if_contains("block_device_mapping_v2");
  if (auto image_ref = s.if_contains("imageRef")) {
    if (!image_ref->is_string())
      return invalid(error, "imageRef", *image_ref,
                     show(*image_ref) + " is not valid under any of the "
                                        "given schemas");
    req.image_ref = image_ref->as_string().c_str();
    if (!req.image_ref.empty() && !is_uuid(req.image_ref))
      return invalid(error, "imageRef", *image_ref,
                     show(*image_ref) + " is not valid under any of the "
                                        "given schemas");
  }
  if (has_bdm) {
    error = "Block Device Mapping is Invalid: volumes are not supported.";
    return false;
  }
  if (auto v = s.if_contains("adminPass");
      v && !string_field(*v, "adminPass", out.admin_pass, error, 1 << 20))
    return false;
  if (auto v = s.if_contains("metadata");
      v && !parse_metadata(*v, req.metadata, error))
    return false;
  if (auto v = s.if_contains("networks")) {
    if (!networks_field(*v, version, req.networks, error))
      return false;
  } else if (version >= api_version{2, 37}) {
    error = "Invalid input for field/attribute server. 'networks' is a "
            "required property";
    return false;
  }
  if (auto v = s.if_contains("min_count");
      v && !count_field(*v, "min_count", req.min_count, error))
    return false;
  req.max_count = req.min_count;
  if (auto v = s.if_contains("max_count");
      v && !count_field(*v, "max_count", req.max_count, error))
    return false;
  if (auto v = s.if_contains("return_reservation_id");
      v && !bool_field(*v, "return_reservation_id", out.return_reservation_id,
                       error))
    return false;
  if (auto v = s.if_contains("availability_zone");
      v && !string_field(*v, "availability_zone", req.availability_zone, error))
    return false;
  if (auto v = s.if_contains("key_name");
      v && !string_field(*v, "key_name", req.key_name, error))
    return false;
  if (auto v = s.if_contains("user_data")) {
    std::string data;
    if (!string_field(*v, "user_data", data, error, 65535))
      return false;
    if (!is_base64(data))
      return invalid(error, "user_data", *v, "is not a 'base64'");
    req.user_data = std::move(data);
  }
  if (auto v = s.if_contains("security_groups")) {
    if (!v->is_array())
      return invalid(error, "security_groups", *v,
                     show(*v) + " is not of type 'array'");
    req.security_groups.clear();
    for (auto& g : v->as_array()) {
      auto gname = g.is_object() ? g.as_object().if_contains("name") : nullptr;
      std::string n;
      if (gname == nullptr || !string_field(*gname, "security_groups", n, error))
        return invalid(error, "security_groups", *v,
                       "'name' is a required property");
      if (std::find(req.security_groups.begin(), req.security_groups.end(), n)
          == req.security_groups.end())
        req.security_groups.push_back(n);
    }
  }
  bool given = false; // a create has no "unset" to tell apart
  if (!access_ip(s, "accessIPv4", false, given, req.access_ipv4, error)
      || !access_ip(s, "accessIPv6", true, given, req.access_ipv6, error))
    return false;
  bool dc_given = false;
  if (!disk_config_field(s, dc_given, req.disk_config, error))
    return false;
  if (auto v = s.if_contains("config_drive");
      v && !bool_field(*v, "config_drive", req.config_drive, error))
    return false;
  // Nova's schema checks both names; the build takes the first it finds.
  std::map<std::string, std::vector<std::string>> second;
  bool taken = false;
  for (auto field : {"os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"})
    if (auto v = body.if_contains(field)) {
      if (!hints_field(*v, field, taken ? second : req.scheduler_hints, error))
        return false;
      taken = true;
    }
  if (auto g = req.scheduler_hints.find("group");
      g != req.scheduler_hints.end())
    req.group = g->second.front();
  if (auto v = s.if_contains("tags"); v && !parse_tags(*v, req.tags, error))
    return false;
  if (auto v = s.if_contains("trusted_image_certificates");
      v && !trusted_certs_field(*v, req.trusted_certs, error))
    return false;
  if (auto v = s.if_contains("hostname")) {
    if (!valid_hostname(*v, version, req.hostname, error))
      return false;
    if (req.max_count > 1) {
      error = "Unable to allocate a single hostname to multiple instances";
      return false;
    }
  }
  if (auto v = s.if_contains("personality")) {
    // Validated as Nova does; file injection itself is not supported.
    if (!v->is_array())
      return invalid(error, "personality", *v,
                     show(*v) + " is not of type 'array'");
    for (auto& f : v->as_array()) {
      auto contents = f.is_object() ? f.as_object().if_contains("contents")
                                    : nullptr;
      if (contents == nullptr || !contents->is_string()
          || !is_base64(contents->as_string().c_str())) {
        error = "Personality content for " + show(f)
                + " cannot be decoded";
        return false;
      }
    }
  }
  return description_field(s, given, req.has_description, req.description,
                           error);
}

bool parse_create_image(const json::value& v, api_version,
                        create_image& out, std::string& error) {
  if (!v.is_object())
    return invalid(error, "createImage", v,
                   show(v) + " is not of type 'object'");
  auto& o = v.as_object();
  if (!no_extra(o, {"name", "metadata"}, error))
    return false;
  auto name = o.if_contains("name");
  if (name == nullptr) {
    error = "Invalid input for field/attribute createImage. 'name' is a "
            "required property";
    return false;
  }
  if (!valid_name(*name, error))
    return false;
  out.name = name->as_string().c_str();
  if (auto m = o.if_contains("metadata");
      m && !parse_metadata(*m, out.metadata, error))
    return false;
  return true;
}

bool parse_create_backup(const json::value& v, api_version version,
                         create_image& out, std::string& error) {
  if (!v.is_object())
    return invalid(error, "createBackup", v,
                   show(v) + " is not of type 'object'");
  auto& o = v.as_object();
  if (!no_extra(o, {"name", "backup_type", "rotation", "metadata"}, error))
    return false;
  for (auto field : {"name", "backup_type", "rotation"})
    if (o.if_contains(field) == nullptr) {
      error = std::string{"Invalid input for field/attribute createBackup. '"}
              + field + "' is a required property";
      return false;
    }
  // The name and metadata as createImage's.
  create_image image;
  json::object named{{"name", o.at("name")}};
  if (auto m = o.if_contains("metadata"))
    named["metadata"] = *m;
  if (!parse_create_image(named, version, image, error))
    return false;
  out.name = std::move(image.name);
  out.metadata = std::move(image.metadata);
  auto& type = o.at("backup_type");
  if (!type.is_string())
    return invalid(error, "backup_type", type,
                   show(type) + " is not of type 'string'");
  out.backup.type = type.as_string().c_str();
  // parameter_types.non_negative_integer: an integer >= 0 or a string of
  // digits.
  auto& rotation = o.at("rotation");
  if (rotation.is_int64() || rotation.is_uint64()) {
    if (rotation.is_int64() && rotation.as_int64() < 0)
      return invalid(error, "rotation", rotation,
                     show(rotation) + " is less than the minimum of 0");
    out.backup.keep = rotation.is_int64()
                     ? rotation.as_int64()
                     : static_cast<int64_t>(std::min<uint64_t>(
                         rotation.as_uint64(), INT64_MAX));
  } else if (rotation.is_string()) {
    std::string text = rotation.as_string().c_str();
    if (text.empty())
      return invalid(error, "rotation", rotation, "'' is too short");
    if (text.find_first_not_of("0123456789") != std::string::npos)
      return invalid(error, "rotation", rotation,
                     "'" + text + "' does not match '^[0-9]*$'");
    out.backup.keep = std::strtoll(text.c_str(), nullptr, 10);
  } else {
    return invalid(error, "rotation", rotation,
                   show(rotation) + " is not of type 'integer', 'string'");
  }
  return true;
}

bool parse_unshelve(const json::value& v, api_version version,
                    shelve_server& out, std::string& error) {
  out.op = shelve_op::unshelve;
  if (!(version >= api_version{2, 77}) || v.is_null())
    return true;
  if (!v.is_object())
    return invalid(error, "unshelve", v,
                   show(v) + " is not of type 'object', 'null'");
  auto& o = v.as_object();
  if (!no_extra(o, {"availability_zone"}, error))
    return false;
  auto zone = o.if_contains("availability_zone");
  if (zone == nullptr)
    return invalid(error, "unshelve", v,
                   "'availability_zone' is a required property");
  std::string name_error;
  if (!valid_name(*zone, name_error)) {
    // The field is availability_zone, with the name rule's reason.
    auto pos = name_error.find(". Value: ");
    error = "Invalid input for field/attribute availability_zone"
            + (pos == std::string::npos ? ". " + name_error
                                        : name_error.substr(pos));
    return false;
  }
  out.set_zone = true;
  out.zone = zone->as_string().c_str();
  return true;
}

bool parse_rescue(const json::value& v, std::string& pass,
                  std::string& error) {
  if (v.is_null())
    return true;
  if (!v.is_object())
    return invalid(error, "rescue", v,
                   show(v) + " is not of type 'object', 'null'");
  auto& o = v.as_object();
  if (!no_extra(o, {"adminPass", "rescue_image_ref"}, error))
    return false;
  if (auto p = o.if_contains("adminPass")) {
    if (!p->is_string())
      return invalid(error, "adminPass", *p,
                     show(*p) + " is not of type 'string'");
    pass = p->as_string().c_str();
  }
  if (auto ref = o.if_contains("rescue_image_ref")) {
    if (!ref->is_string())
      return invalid(error, "rescue_image_ref", *ref,
                     show(*ref) + " is not of type 'string'");
    if (!is_uuid(ref->as_string().c_str()))
      return invalid(error, "rescue_image_ref", *ref,
                     show(*ref) + " is not a 'uuid'");
  }
  return true;
}

bool parse_console_output(const json::value& v, int64_t& length,
                          std::string& error) {
  length = -1;
  if (!v.is_object())
    return invalid(error, "os-getConsoleOutput", v,
                   show(v) + " is not of type 'object'");
  auto& o = v.as_object();
  if (!no_extra(o, {"length"}, error))
    return false;
  auto l = o.if_contains("length");
  if (l == nullptr || l->is_null())
    return true;
  int64_t n = 0;
  if (l->is_int64() || l->is_uint64()) {
    n = l->is_int64() ? l->as_int64()
                      : static_cast<int64_t>(std::min<uint64_t>(
                          l->as_uint64(), INT64_MAX));
    if (n < -1)
      return invalid(error, "length", *l,
                     show(*l) + " is less than the minimum of -1");
  } else if (l->is_string()) {
    // The pattern only: jsonschema's minimum does not apply to strings.
    std::string s{l->as_string().c_str()};
    auto digits = s.substr(!s.empty() && s[0] == '-' ? 1 : 0);
    if (digits.empty()
        || digits.find_first_not_of("0123456789") != std::string::npos)
      return invalid(error, "length", *l,
                     "'" + s + "' does not match '^-?[0-9]+$'");
    n = std::strtoll(s.c_str(), nullptr, 10); // saturates on overflow
  } else {
    return invalid(error, "length", *l,
                   show(*l) + " is not of type 'integer', 'string', 'null'");
  }
  length = n < 0 ? -1 : n;
  return true;
}

bool parse_update(const json::object& body, api_version version,
                  update_server& out, std::string& error) {
  std::set<std::string> fields{"name", "accessIPv4", "accessIPv6",
                               "OS-DCF:diskConfig"};
  if (version >= api_version{2, 90})
    fields.insert("hostname");
  auto sp = server_object(body, {"server"}, fields, version, error);
  if (sp == nullptr)
    return false;
  auto& s = *sp;
  auto& c = out.change;
  if (auto v = s.if_contains("hostname")) {
    if (!valid_hostname(*v, version, c.hostname, error))
      return false;
    c.set_hostname = true;
  }
  if (auto v = s.if_contains("name")) {
    if (!valid_name(*v, error))
      return false;
    c.set_name = true;
    c.name = v->as_string().c_str();
  }
  return access_ip(s, "accessIPv4", false, c.set_access_ipv4, c.access_ipv4,
                   error)
         && access_ip(s, "accessIPv6", true, c.set_access_ipv6,
                      c.access_ipv6, error)
         && description_field(s, c.set_description, c.has_description,
                              c.description, error)
         && disk_config_field(s, c.set_disk_config, c.disk_config, error);
}

} // namespace vmforge::http
