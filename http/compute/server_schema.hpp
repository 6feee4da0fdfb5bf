#pragma once

#include <string>

#include <boost/json/value.hpp>

#include "actors/api/api_actor.hpp"
#include "http/compute/microversion.hpp"

// Nova's request schemas for servers (nova/api/openstack/compute/schemas/
// servers.py), checked by hand: the body's shape, each field's type and
// format, and no properties Nova would not accept.
namespace vmforge::http {

struct create_input {
  create_servers req;
  bool return_reservation_id = false;
  /// Set if the client chose one; otherwise one is generated.
  std::string admin_pass;
};

/// Validates a POST /servers body; on failure returns false with Nova's
/// 400 message in `error`.
bool parse_create(const boost::json::object& body, api_version version,
                  create_input& out, std::string& error);

/// Nova's instance.MAX_TAG_COUNT and tag.MAX_TAG_LENGTH.
constexpr size_t max_tags = 50;

/// parameter_types.tag: 1-60 characters without ',' or '/'.
bool valid_tag(const boost::json::value& v, std::string& out,
               std::string& error);
/// A list of at most 50 tags (create from 2.52, PUT .../tags).
bool parse_tags(const boost::json::value& v, std::vector<std::string>& out,
                std::string& error);

/// A `hostname` of create/update (2.90: RFC 952 labels of 2-63
/// characters; 2.94: Nova's fqdn, 1-255 of [a-zA-Z0-9-._]).
bool valid_hostname(const boost::json::value& v, api_version version,
                    std::string& out, std::string& error);

/// The value of a lock action: anything before 2.73, then null or
/// {"locked_reason": 1-255 characters}.
bool parse_lock(const boost::json::value& v, api_version version,
                std::string& reason, std::string& error);

/// Validates a PUT /servers/{id} body.
bool parse_update(const boost::json::object& body, api_version version,
                  update_server& out, std::string& error);

/// Validates the value of a createImage action (Nova's
/// schemas/servers.py create_image: name required, metadata, nothing else).
bool parse_create_image(const boost::json::value& v, api_version version,
                        create_image& out, std::string& error);

/// Validates the value of a createBackup action (Nova's
/// schemas/create_backup.py: name, backup_type and rotation required,
/// rotation a non-negative integer or a string of digits, metadata).
bool parse_create_backup(const boost::json::value& v, api_version version,
                         create_image& out, std::string& error);

/// Whether createImage answers {"image_id": ...} (2.45) instead of a
/// Location header and no body.
inline bool create_image_answers_id(api_version version) {
  return version >= api_version{2, 45};
}

/// Validates the value of an unshelve action: anything before 2.77 (Nova
/// had no schema for it); from 2.77 null or {"availability_zone": NAME}
/// (schemas/shelve.py unshelve_v277).
bool parse_unshelve(const boost::json::value& v, api_version version,
                    shelve_server& out, std::string& error);

/// Validates the value of a rescue action (Nova's schema: null, or an
/// object with a string adminPass and a uuid rescue_image_ref); `pass` is
/// the adminPass given, if any.
bool parse_rescue(const boost::json::value& v, std::string& pass,
                  std::string& error);

/// Validates the value of an os-getConsoleOutput action (Nova's
/// schemas/console_output.py: an object with at most `length`, an integer
/// >= -1, a string of an integer, or null). `length` is -1 (all) when it
/// is absent, null or negative.
bool parse_console_output(const boost::json::value& v, int64_t& length,
                          std::string& error);

/// Nova's parameter_types.boolean: a JSON boolean or one of its words.
bool bool_field(const boost::json::value& v, const std::string& field,
                bool& out, std::string& error);

/// A value as Nova's validation errors show it.
std::string show(const boost::json::value& v);
/// Nova's schema error for `field`: "Invalid input for field/attribute
/// F. Value: V. WHY"; always false.
bool invalid(std::string& error, const std::string& field,
             const boost::json::value& v, const std::string& why);

/// Nova's server name rule (parameter_types.name): 1-255 printable
/// characters without leading or trailing whitespace.
bool valid_name(const boost::json::value& v, std::string& error);

/// Nova's metadata object: keys 1-255 of [a-zA-Z0-9-_:. ], string values
/// of at most 255 characters.
bool parse_metadata(const boost::json::value& v,
                    std::map<std::string, std::string>& out, std::string& error);

bool is_ipv4(const std::string& s);
bool is_ipv6(const std::string& s);
/// Canonical (compressed, lower-case) form of an IPv6 address, as Nova
/// stores accessIPv6.
std::string canonical_ipv6(const std::string& s);
bool is_base64(const std::string& s);

} // namespace vmforge::http
