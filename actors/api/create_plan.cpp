#include "actors/api/create_plan.hpp"

#include <algorithm>
#include <cctype>

#include "config/options.hpp"
#include "messages/errors.hpp"
#include "util/ipv4.hpp"
#include "util/uuid.hpp"

namespace vmforge {

namespace {

caf::error bad_request(std::string msg) {
  return nova_error(errc::invalid_input, std::move(msg));
}

} // namespace

caf::error validate(const create_servers& req, const catalog& cat,
                    const quotas& quota, const keypairs& keys,
                    const security_groups& groups) {
  auto& name = req.name;
  if (name.empty() || name.size() > 255)
    return bad_request("Invalid input for field/attribute name. Value: "
                       + name + ". '" + name
                       + "' is not a valid name: length must be 1 to 255");
  if (std::isspace(static_cast<unsigned char>(name.front()))
      || std::isspace(static_cast<unsigned char>(name.back())))
    return bad_request("Invalid input for field/attribute name. Value: "
                       + name
                       + ". An invalid 'name' value was provided. The name "
                         "must not have leading or trailing whitespace.");
  if (req.min_count < 1 || req.max_count < 1)
    return bad_request("min_count and max_count must be >= 1");
  if (req.min_count > req.max_count)
    return bad_request("min_count must be <= max_count");
  if (req.image_ref.empty())
    return bad_request("Missing imageRef attribute");
  if (auto fl = cat.flavor_of(req.flavor_ref, req.ctx); !fl)
    return fl.error();
  if (auto err = cat.check_zone(req.availability_zone))
    return err;
  auto& ctx = req.ctx;
  auto meta_limit = quota.limit(ctx.project_id, "metadata_items");
  if (meta_limit >= 0 && static_cast<int64_t>(req.metadata.size()) > meta_limit)
    return nova_error(errc::over_quota, "metadata_items", req.metadata.size(),
                      0, meta_limit, "metadata_items");
  if (!req.key_name.empty() && !keys.has(ctx.user_id, req.key_name))
    return nova_error(errc::keypair_not_found, req.key_name, ctx.user_id);
  for (auto& g : req.security_groups)
    if (!groups.known(ctx.project_id, g))
      return bad_request("Unable to find security_group with name or id '" + g
                         + "'");
  for (auto& kv : req.metadata)
    if (kv.first.empty() || kv.first.size() > 255 || kv.second.size() > 255)
      return bad_request("Invalid input for field/attribute metadata. "
                         "Metadata keys must be 1-255 and values at most "
                         "255 characters");
  return caf::none;
}

caf::error check_networks(const create_servers& req,
                          const std::vector<network>& nets) {
  auto& want = req.networks;
  if (want.mode == network_mode::automatic && nets.size() > 1)
    return nova_error(errc::network_ambiguous);
  for (auto& w : want.listed) {
    auto net = std::find_if(nets.begin(), nets.end(), [&](const network& n) {
      return n.id == w.network_id;
    });
    if (net == nets.end())
      return nova_error(errc::network_not_found, w.network_id);
    if (w.fixed_ip.empty())
      continue;
    auto subnet = parse_ipv4_subnet(net->cidr);
    auto a = parse_ipv4(w.fixed_ip);
    if (!subnet || !a || !subnet->contains(*a) || *a == subnet->network
        || *a == subnet->broadcast() || w.fixed_ip == net->gateway)
      return nova_error(errc::fixed_ip_invalid, w.fixed_ip);
    if (req.max_count > 1)
      return bad_request("Failed to launch instances: max_count cannot be "
                         "greater than 1 if an fixed_ip is specified.");
  }
  return caf::none;
}

guest_data guest_of(const create_servers& req, const keypairs& keys,
                    const image& img, bool force_config_drive) {
  guest_data g;
  g.key_name = req.key_name;
  if (!req.key_name.empty())
    if (auto kp = keys.get(req.ctx.user_id, req.key_name);
        kp && !kp->items.empty())
      g.key_data = kp->items.front().public_key;
  g.user_data = req.user_data;
  g.metadata = req.metadata;
  auto cd = img.properties.find("img_config_drive");
  g.config_drive = req.config_drive || force_config_drive
                   || (cd != img.properties.end() && cd->second == "mandatory");
  return g;
}

std::string sanitize_hostname(const std::string& name) {
  std::string out;
  for (unsigned char c : name.substr(0, 63)) {
    if (c == ' ' || c == '_' || c == '.')
      out += '-';
    else if (std::isalnum(c) || c == '-')
      out += static_cast<char>(std::tolower(c));
  }
  auto b = out.find_first_not_of("-.");
  if (b == std::string::npos)
    return {};
  return out.substr(b, out.find_last_not_of("-.") - b + 1);
}

create_instances rows_of(const create_servers& req, const flavor& fl,
                         const quotas& quota, const std::string& name_template,
                         const std::string& reservation_id,
                         const guest_data& guest,
                         const image_properties& props) {
  std::vector<std::string> tags = req.tags;
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  create_instances ins;
  ins.min_count = req.min_count;
  ins.limits = quota.instance_limits(req.ctx.project_id);
  auto now = now_us();
  for (int64_t n = 1; n <= req.max_count; ++n) {
    instance row;
    row.id = make_uuid();
    row.name = req.max_count > 1
                 ? multi_instance_name(name_template, req.name, n, row.id)
                 : req.name;
    row.project_id = req.ctx.project_id;
    row.user_id = req.ctx.user_id;
    row.reservation_id = reservation_id;
    row.flavor_ = fl;
    row.image_id = req.image_ref;
    row.availability_zone = req.availability_zone;
    row.metadata = req.metadata;
    row.access_ipv4 = req.access_ipv4;
    row.access_ipv6 = req.access_ipv6;
    row.disk_config = req.disk_config;
    row.key_name = req.key_name;
    row.security_groups = req.security_groups;
    row.has_description = req.has_description;
    row.description = req.description;
    row.user_data = guest.user_data;
    row.key_data = guest.key_data;
    row.config_drive = guest.config_drive;
    row.requested_networks = req.networks;
    // Nova's _populate_instance_names: the name's, numbered when several.
    row.hostname = req.hostname;
    if (row.hostname.empty()) {
      row.hostname = sanitize_hostname(req.name);
      if (row.hostname.empty())
        row.hostname = "Server-" + row.id;
      else if (req.max_count > 1)
        row.hostname += "-" + std::to_string(n);
    }
    row.scheduler_hints = req.scheduler_hints;
    row.tags = tags;
    row.trusted_certs = req.trusted_certs;
    row.pinned_availability_zone = req.availability_zone;
    for (auto& kv : props)
      row.system_metadata["image_" + kv.first] = kv.second;
    row.created_us = now;
    row.updated_us = now;
    ins.rows.push_back(std::move(row));
  }
  return ins;
}

} // namespace vmforge
