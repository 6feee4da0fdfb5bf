#include <catch2/catch.hpp>

#include <string>

#include <boost/json.hpp>

#include "http/compute/server_schema.hpp"

using namespace vmforge;
using namespace vmforge::http;
namespace json = boost::json;
using Catch::Matchers::Contains;

namespace {

const std::string image_id = "70a599e0-31e7-49b7-b260-868f441e862b";
const std::string net_id = "3cb9bc59-5699-4588-a4b1-b87f96708bc6";

// A valid create body with `fields` set (or replaced) in its server.
json::object body(json::object fields = {}) {
  json::object server{{"name", "vm"}, {"flavorRef", "1"},
                      {"imageRef", image_id}};
  for (auto& kv : fields)
    server[kv.key()] = kv.value();
  return {{"server", std::move(server)}};
}

json::object without(const char* field) {
  auto b = body();
  b.at("server").as_object().erase(field);
  return b;
}

struct outcome {
  bool ok = false;
  create_input in;
  std::string error;
};

outcome create(const json::object& b, api_version v = {2, 1}) {
  outcome out;
  out.ok = parse_create(b, v, out.in, out.error);
  return out;
}

// The 400 message of a body Nova's schema refuses.
std::string refusal(const json::object& b, api_version v = {2, 1}) {
  auto out = create(b, v);
  CHECK_FALSE(out.ok);
  return out.error;
}

} // namespace

TEST_CASE("server_schema: a minimal body is a create of one", "[schema]") {
  auto out = create(body());
  REQUIRE(out.ok);
  auto& req = out.in.req;
  CHECK(req.name == "vm");
  CHECK(req.flavor_ref == "1");
  CHECK(req.image_ref == image_id);
  CHECK(req.min_count == 1);
  CHECK(req.max_count == 1);
  CHECK(req.security_groups == std::vector<std::string>{"default"});
  CHECK(req.disk_config == "MANUAL");
  CHECK_FALSE(out.in.return_reservation_id);
  CHECK(out.in.admin_pass.empty());
}

TEST_CASE("server_schema: name and flavorRef are required", "[schema]") {
  CHECK_THAT(refusal(without("name")),
             Contains("'name' is a required property"));
  CHECK_THAT(refusal(without("flavorRef")),
             Contains("'flavorRef' is a required property"));
  CHECK_THAT(refusal({{"servers", json::object{}}}),
             Contains("Additional properties are not allowed ('servers' was "
                      "unexpected)"));
  CHECK_THAT(refusal({}), Contains("'server' is a required property"));
  // imageRef may be left out (the API then asks for a volume to boot).
  CHECK(create(without("imageRef")).ok);
}

TEST_CASE("server_schema: a name is 1-255 printable characters without "
          "surrounding whitespace",
          "[schema]") {
  CHECK(create(body({{"name", std::string(255, 'a')}})).ok);
  CHECK(create(body({{"name", "a b"}})).ok);
  for (auto bad : {json::value(""), json::value(std::string(256, 'a')),
                   json::value(" vm"), json::value("vm\t"),
                   json::value("v\x01m"), json::value(42)}) {
    INFO(json::serialize(bad));
    CHECK_THAT(refusal(body({{"name", bad}})), Contains("name"));
  }
}

TEST_CASE("server_schema: flavorRef is a string or an integer, imageRef a "
          "uuid or empty",
          "[schema]") {
  auto by_number = create(body({{"flavorRef", 42}}));
  REQUIRE(by_number.ok);
  CHECK(by_number.in.req.flavor_ref == "42");
  auto by_href = create(body({{"flavorRef", "http://x/flavors/2"}}));
  REQUIRE(by_href.ok); // the API takes the href's last segment
  CHECK(by_href.in.req.flavor_ref == "http://x/flavors/2");
  CHECK_THAT(refusal(body({{"flavorRef", ""}})), Contains("flavorRef"));
  CHECK_THAT(refusal(body({{"flavorRef", json::array{}}})),
             Contains("flavorRef"));
  CHECK(create(body({{"imageRef", ""}})).ok);
  CHECK_THAT(refusal(body({{"imageRef", "cirros"}})),
             Contains("Invalid input for field/attribute imageRef"));
}

TEST_CASE("server_schema: counts are positive integers or digit strings",
          "[schema]") {
  auto out = create(body({{"min_count", "2"}, {"max_count", 3}}));
  REQUIRE(out.ok);
  CHECK(out.in.req.min_count == 2);
  CHECK(out.in.req.max_count == 3);
  // max_count defaults to min_count.
  CHECK(create(body({{"min_count", 4}})).in.req.max_count == 4);
  CHECK(refusal(body({{"min_count", 0}}))
        == "Invalid input for field/attribute min_count. Value: 0. 0 is less "
           "than the minimum of 1");
  CHECK_THAT(refusal(body({{"max_count", "x"}})),
             Contains("Invalid input for field/attribute max_count"));
  CHECK_THAT(refusal(body({{"max_count", 1.5}})), Contains("max_count"));
}

TEST_CASE("server_schema: the server takes no properties Nova does not know",
          "[schema]") {
  CHECK_THAT(refusal(body({{"flavor", "1"}})),
             Contains("Additional properties are not allowed ('flavor' was "
                      "unexpected)"));
  auto hints = body();
  hints["os:scheduler_hints"] = json::object{};
  CHECK(create(hints).ok);
}

TEST_CASE("server_schema: description only from 2.19", "[schema]") {
  CHECK_THAT(refusal(body({{"description", "d"}}), {2, 18}),
             Contains("('description' was unexpected)"));
  auto set = create(body({{"description", "d"}}), {2, 19});
  REQUIRE(set.ok);
  CHECK(set.in.req.has_description);
  CHECK(set.in.req.description == "d");
  auto null = create(body({{"description", nullptr}}), {2, 19});
  REQUIRE(null.ok);
  CHECK_FALSE(null.in.req.has_description);
  CHECK_THAT(refusal(body({{"description", std::string(256, 'd')}}), {2, 19}),
             Contains("is too long"));
}

TEST_CASE("server_schema: networks are required from 2.37, where auto and "
          "none are allowed",
          "[schema]") {
  CHECK(create(body()).ok);
  CHECK_THAT(refusal(body(), {2, 37}),
             Contains("'networks' is a required property"));
  CHECK(create(body({{"networks", "auto"}}), {2, 37}).ok);
  CHECK(create(body({{"networks", "none"}}), {2, 37}).ok);
  CHECK_THAT(refusal(body({{"networks", "auto"}}), {2, 36}),
             Contains("is not of type 'array'"));
  CHECK_THAT(refusal(body({{"networks", "any"}}), {2, 37}),
             Contains("networks"));
  CHECK(create(body({{"networks", json::array{}}})).ok);
}

TEST_CASE("server_schema: a network names a network by uuid, a port or a "
          "fixed IP, not both of the last two",
          "[schema]") {
  auto net = [](json::object o) {
    return body({{"networks", json::array{std::move(o)}}});
  };
  CHECK(refusal(net({{"uuid", "public"}}))
        == "Bad networks format: network uuid is not in proper format "
           "(public)");
  CHECK_THAT(refusal(net({{"uuid", net_id}, {"fixed_ip", "10.0.0.300"}})),
             Contains("is not a 'ip'"));
  CHECK_THAT(refusal(net({{"port", net_id}, {"fixed_ip", "10.0.0.3"}})),
             Contains("The port and fixed_ip can not be specified together"));
  CHECK_THAT(refusal(net({{"uuid", net_id}, {"mtu", 9000}})),
             Contains("('mtu' was unexpected)"));
  // No Neutron, so no port exists (Nova's PortNotFound).
  auto other = "5d2e1c0b-9a8f-4e7d-b6c5-a4b3c2d1e0f9";
  CHECK(refusal(net({{"port", other}}))
        == std::string{"Port "} + other + " could not be found.");
}

TEST_CASE("server_schema: the create carries its networks, user_data and "
          "config_drive",
          "[schema]") {
  auto out = create(body({{"networks",
                           json::array{json::object{{"uuid", net_id},
                                                    {"fixed_ip", "10.0.0.9"}},
                                       json::object{{"uuid", net_id}}}},
                          {"user_data", "IyEvYmluL3NoCg=="},
                          {"config_drive", true}}));
  REQUIRE(out.ok);
  auto& req = out.in.req;
  CHECK(req.networks.mode == network_mode::listed);
  REQUIRE(req.networks.listed.size() == 2);
  CHECK(req.networks.listed[0].network_id == net_id);
  CHECK(req.networks.listed[0].fixed_ip == "10.0.0.9");
  CHECK(req.networks.listed[1].fixed_ip.empty());
  CHECK(req.user_data == "IyEvYmluL3NoCg==");
  CHECK(req.config_drive);
  CHECK(create(body()).in.req.networks.mode == network_mode::automatic);
  CHECK_FALSE(create(body()).in.req.config_drive);
  CHECK(create(body({{"networks", "none"}}), {2, 37}).in.req.networks.mode
        == network_mode::none);
  CHECK(create(body({{"networks", "auto"}}), {2, 37}).in.req.networks.mode
        == network_mode::automatic);
}

TEST_CASE("server_schema: metadata keys and values as Nova allows them",
          "[schema]") {
  auto out = create(body({{"metadata", json::object{{"a-b_c:d. e", "v"}}}}));
  REQUIRE(out.ok);
  CHECK(out.in.req.metadata.at("a-b_c:d. e") == "v");
  CHECK_THAT(refusal(body({{"metadata", json::object{{"a/b", "v"}}}})),
             Contains("does not match any of the regexes"));
  CHECK_THAT(refusal(body({{"metadata", json::object{{"", "v"}}}})),
             Contains("does not match any of the regexes"));
  CHECK_THAT(refusal(body({{"metadata", json::object{{"k", 1}}}})),
             Contains("is not of type 'string'"));
  CHECK_THAT(
    refusal(body({{"metadata", json::object{{"k", std::string(256, 'v')}}}})),
    Contains("is too long"));
  CHECK_THAT(refusal(body({{"metadata", json::array{}}})),
             Contains("is not of type 'object'"));
}

TEST_CASE("server_schema: the optional fields, checked and kept", "[schema]") {
  auto out = create(body({{"security_groups",
                           json::array{json::object{{"name", "web"}},
                                       json::object{{"name", "web"}},
                                       json::object{{"name", "db"}}}},
                          {"accessIPv4", "192.0.2.1"},
                          {"accessIPv6", "2001:DB8:0:0::1"},
                          {"OS-DCF:diskConfig", "AUTO"},
                          {"availability_zone", "az1"},
                          {"key_name", "key"},
                          {"adminPass", "secret"},
                          {"user_data", "aGVsbG8="},
                          {"config_drive", true},
                          {"return_reservation_id", "True"}}));
  REQUIRE(out.ok);
  auto& req = out.in.req;
  CHECK(req.security_groups == std::vector<std::string>{"web", "db"});
  CHECK(req.access_ipv4 == "192.0.2.1");
  CHECK(req.access_ipv6 == "2001:db8::1"); // stored in canonical form
  CHECK(req.disk_config == "AUTO");
  CHECK(req.availability_zone == "az1");
  CHECK(req.key_name == "key");
  CHECK(out.in.admin_pass == "secret");
  CHECK(out.in.return_reservation_id);
}

TEST_CASE("server_schema: the optional fields' bad values are 400",
          "[schema]") {
  CHECK_THAT(refusal(body({{"accessIPv4", "192.0.2"}})),
             Contains("is not a 'ipv4'"));
  CHECK_THAT(refusal(body({{"accessIPv6", "192.0.2.1"}})),
             Contains("is not a 'ipv6'"));
  CHECK_THAT(refusal(body({{"OS-DCF:diskConfig", "auto"}})),
             Contains("is not one of ['AUTO', 'MANUAL']"));
  CHECK_THAT(refusal(body({{"user_data", "not base64!"}})),
             Contains("is not a 'base64'"));
  CHECK_THAT(refusal(body({{"security_groups", "default"}})),
             Contains("is not of type 'array'"));
  CHECK_THAT(refusal(body({{"security_groups",
                            json::array{json::object{{"id", "x"}}}}})),
             Contains("'name' is a required property"));
  CHECK_THAT(refusal(body({{"return_reservation_id", "maybe"}})),
             Contains("is not of type 'boolean'"));
  CHECK_THAT(refusal(body({{"config_drive", 2}})),
             Contains("is not of type 'boolean'"));
}

namespace {

struct image_outcome {
  bool ok = false;
  create_image req;
  std::string error;
};

image_outcome create_image_of(const json::value& v) {
  image_outcome out;
  out.ok = parse_create_image(v, {2, 1}, out.req, out.error);
  return out;
}

struct unshelve_outcome {
  bool ok = false;
  shelve_server req;
  std::string error;
};

unshelve_outcome unshelve_of(const json::value& v, api_version version) {
  unshelve_outcome out;
  out.ok = parse_unshelve(v, version, out.req, out.error);
  return out;
}

} // namespace

TEST_CASE("server_schema: createImage takes a name and metadata",
          "[schema]") {
  auto out = create_image_of(json::parse(
    R"({"name": "snap", "metadata": {"purpose": "backup", "k:1": "v"}})"));
  REQUIRE(out.ok);
  CHECK(out.req.name == "snap");
  CHECK(out.req.metadata.size() == 2);
  CHECK(out.req.metadata.at("purpose") == "backup");
  auto bare = create_image_of(json::parse(R"({"name": "snap"})"));
  REQUIRE(bare.ok);
  CHECK(bare.req.metadata.empty());
}

TEST_CASE("server_schema: createImage's 400s are Nova's", "[schema]") {
  CHECK(create_image_of(json::parse(R"({})")).error
        == "Invalid input for field/attribute createImage. 'name' is a "
           "required property");
  CHECK(create_image_of(json::parse(R"("snap")")).error
        == "Invalid input for field/attribute createImage. Value: snap. "
           "snap is not of type 'object'");
  CHECK(create_image_of(json::parse(R"({"name": "s", "visibility": "public"})"))
          .error
        == "Additional properties are not allowed ('visibility' was "
           "unexpected)");
  CHECK(create_image_of(json::parse(R"({"name": ""})")).error
        == "Invalid input for field/attribute name. Value: . '' is too "
           "short");
  CHECK(create_image_of(json::value(json::object{
                          {"name", std::string(256, 'n')}}))
          .error.find("is too long")
        != std::string::npos);
  CHECK_THAT(create_image_of(json::parse(R"({"name": " lead"})")).error,
             Contains("leading or trailing whitespace"));
  CHECK_THAT(create_image_of(json::parse(R"({"name": 7})")).error,
             Contains("7 is not of type 'string'"));
  CHECK_THAT(create_image_of(json::parse(R"({"name": "s", "metadata": []})"))
               .error,
             Contains("is not of type 'object'"));
  CHECK_THAT(create_image_of(
               json::parse(R"({"name": "s", "metadata": {"k": 1}})"))
               .error,
             Contains("1 is not of type 'string'"));
  CHECK_THAT(create_image_of(
               json::parse(R"({"name": "s", "metadata": {"a/b": "v"}})"))
               .error,
             Contains("does not match any of the regexes"));
  CHECK_FALSE(create_image_answers_id({2, 44}));
  CHECK(create_image_answers_id({2, 45}));
}

TEST_CASE("server_schema: unshelve takes anything before 2.77", "[schema]") {
  for (auto body : {R"(null)", R"({})", R"({"availability_zone": "az2"})",
                    R"("x")"}) {
    auto out = unshelve_of(json::parse(body), {2, 76});
    CHECK(out.ok);
    CHECK_FALSE(out.req.set_zone); // the zone is not read before 2.77
  }
}

TEST_CASE("server_schema: unshelve from 2.77: null or an availability zone",
          "[schema]") {
  auto none = unshelve_of(json::parse("null"), {2, 77});
  REQUIRE(none.ok);
  CHECK_FALSE(none.req.set_zone);
  auto zone = unshelve_of(json::parse(R"({"availability_zone": "az2"})"),
                          {2, 77});
  REQUIRE(zone.ok);
  CHECK(zone.req.set_zone);
  CHECK(zone.req.zone == "az2");
  CHECK(unshelve_of(json::parse("{}"), {2, 77}).error
        == "Invalid input for field/attribute unshelve. Value: {}. "
           "'availability_zone' is a required property");
  CHECK(unshelve_of(json::parse(R"({"availability_zone": "a", "host": "h"})"),
                    {2, 77})
          .error
        == "Additional properties are not allowed ('host' was unexpected)");
  CHECK(unshelve_of(json::parse(R"("az2")"), {2, 77}).error
        == "Invalid input for field/attribute unshelve. Value: az2. az2 is "
           "not of type 'object', 'null'");
  CHECK(unshelve_of(json::parse(R"({"availability_zone": ""})"), {2, 77}).error
        == "Invalid input for field/attribute availability_zone. Value: . "
           "'' is too short");
  CHECK_THAT(unshelve_of(json::parse(R"({"availability_zone": null})"),
                         {2, 77})
               .error,
             Contains("is not of type 'string'"));
}

TEST_CASE("os-getConsoleOutput takes Nova's length", "[server_schema]") {
  auto parse = [](const char* text, int64_t& length, std::string& error) {
    return parse_console_output(json::parse(text), length, error);
  };
  int64_t n = 0;
  std::string error;
  CHECK(parse("{}", n, error));
  CHECK(n == -1);
  CHECK(parse(R"({"length": null})", n, error));
  CHECK(n == -1);
  CHECK(parse(R"({"length": 5})", n, error));
  CHECK(n == 5);
  CHECK(parse(R"({"length": "12"})", n, error));
  CHECK(n == 12);
  CHECK(parse(R"({"length": -1})", n, error));
  CHECK(n == -1);
  CHECK(parse(R"({"length": 0})", n, error));
  CHECK(n == 0);
  CHECK_FALSE(parse(R"({"length": -2})", n, error));
  CHECK_THAT(error, Contains("-2 is less than the minimum of -1"));
  CHECK_FALSE(parse(R"({"length": "abc"})", n, error));
  CHECK_THAT(error, Contains("'abc' does not match '^-?[0-9]+$'"));
  CHECK_FALSE(parse(R"({"length": 2.5})", n, error));
  CHECK_THAT(error, Contains("is not of type 'integer', 'string', 'null'"));
  CHECK_FALSE(parse(R"({"length": true})", n, error));
  CHECK_FALSE(parse(R"({"lines": 1})", n, error));
  CHECK_THAT(error, Contains("'lines' was unexpected"));
  CHECK_FALSE(parse("null", n, error));
  CHECK_THAT(error, Contains("is not of type 'object'"));
}

TEST_CASE("server_schema: the create's fields by microversion (2.52 tags, "
          "2.57 no personality, 2.63 certificates, 2.90 hostname)",
          "[schema][microversion]") {
  // From 2.37 `networks` is required.
  auto at37 = [](json::object fields) {
    fields["networks"] = "auto";
    return body(std::move(fields));
  };
  json::array files{json::object{{"path", "/f"}, {"contents", "YQ=="}}};
  CHECK(create(at37({{"personality", files}}), {2, 56}).ok);
  CHECK_THAT(refusal(at37({{"personality", files}}), {2, 57}),
             Contains("Additional properties are not allowed ('personality' "
                      "was unexpected)"));
  CHECK_THAT(refusal(at37({{"tags", json::array{"a"}}}), {2, 51}),
             Contains("'tags' was unexpected"));
  auto tagged = create(at37({{"tags", json::array{"b", "a"}}}), {2, 52});
  REQUIRE(tagged.ok);
  CHECK(tagged.in.req.tags == std::vector<std::string>{"b", "a"});
  CHECK_THAT(refusal(at37({{"tags", json::array{"a/b"}}}), {2, 52}),
             Contains("'a/b' does not match '^[^,/]*$'"));
  CHECK_THAT(refusal(at37({{"tags", json::array{std::string(61, 't')}}}),
                     {2, 52}),
             Contains("is too long"));
  json::array many;
  for (int i = 0; i < 51; ++i)
    many.emplace_back("t" + std::to_string(i));
  CHECK_THAT(refusal(at37({{"tags", many}}), {2, 52}), Contains("too long"));
  auto certs = create(at37({{"trusted_image_certificates",
                             json::array{"c1", "c2"}}}),
                      {2, 63});
  REQUIRE(certs.ok);
  CHECK(certs.in.req.trusted_certs.size() == 2);
  CHECK_THAT(refusal(at37({{"trusted_image_certificates",
                            json::array{"c1", "c1"}}}),
                     {2, 63}),
             Contains("has non-unique elements"));
  CHECK_THAT(refusal(at37({{"hostname", "web-1"}}), {2, 89}),
             Contains("'hostname' was unexpected"));
  CHECK(create(at37({{"hostname", "web-1"}}), {2, 90}).in.req.hostname
        == "web-1");
  CHECK_THAT(refusal(at37({{"hostname", "web.example.org"}}), {2, 93}),
             Contains("does not match"));
  CHECK(create(at37({{"hostname", "web.example.org"}}), {2, 94}).ok);
  CHECK_THAT(refusal(at37({{"hostname", "web-1"}, {"max_count", 2}}),
                     {2, 90}),
             Contains("Unable to allocate a single hostname to multiple "
                      "instances"));
}

TEST_CASE("server_schema: os:scheduler_hints become lists of strings",
          "[schema]") {
  auto b = body();
  b["os:scheduler_hints"] =
    json::object{{"same_host", "a"}, {"different_host", json::array{"b", "c"}},
                 {"build_near_host_ip", 1}};
  auto out = create(b);
  REQUIRE(out.ok);
  auto& h = out.in.req.scheduler_hints;
  CHECK(h.at("same_host") == std::vector<std::string>{"a"});
  CHECK(h.at("different_host") == std::vector<std::string>{"b", "c"});
  CHECK(h.at("build_near_host_ip") == std::vector<std::string>{"1"});
  b["os:scheduler_hints"] = "x";
  CHECK_THAT(refusal(b), Contains("is not of type 'object'"));
}

TEST_CASE("server_schema: the lock's reason from 2.73", "[schema]") {
  std::string reason;
  std::string error;
  CHECK(parse_lock(json::object{{"anything", 1}}, {2, 72}, reason, error));
  CHECK(parse_lock(nullptr, {2, 73}, reason, error));
  CHECK(parse_lock(json::object{{"locked_reason", "maint"}}, {2, 73}, reason,
                   error));
  CHECK(reason == "maint");
  CHECK_FALSE(parse_lock(json::object{{"locked_reason", ""}}, {2, 73},
                         reason, error));
  CHECK_FALSE(parse_lock(json::object{{"other", "x"}}, {2, 73}, reason,
                         error));
  CHECK_THAT(error, Contains("'other' was unexpected"));
}

TEST_CASE("server_schema: PUT takes a hostname from 2.90", "[schema]") {
  update_server out;
  std::string error;
  json::object b{{"server", json::object{{"hostname", "new-name"}}}};
  CHECK_FALSE(parse_update(b, {2, 89}, out, error));
  REQUIRE(parse_update(b, {2, 90}, out, error));
  CHECK(out.change.set_hostname);
  CHECK(out.change.hostname == "new-name");
}

TEST_CASE("server_schema: PUT takes OS-DCF:diskConfig AUTO or MANUAL",
          "[schema]") {
  update_server out;
  std::string error;
  json::object b{{"server", json::object{{"OS-DCF:diskConfig", "AUTO"}}}};
  REQUIRE(parse_update(b, {2, 1}, out, error));
  CHECK(out.change.set_disk_config);
  CHECK(out.change.disk_config == "AUTO");
  update_server bad;
  b = {{"server", json::object{{"OS-DCF:diskConfig", "auto"}}}};
  CHECK_FALSE(parse_update(b, {2, 1}, bad, error));
  CHECK(error
        == "Invalid input for field/attribute OS-DCF:diskConfig. Value: auto. "
           "auto is not one of ['AUTO', 'MANUAL']");
  update_server plain;
  b = {{"server", json::object{{"name", "n"}}}};
  REQUIRE(parse_update(b, {2, 1}, plain, error));
  CHECK_FALSE(plain.change.set_disk_config);
}

namespace {

struct backup_outcome {
  bool ok = false;
  create_image req;
  std::string error;
};

backup_outcome backup_of(json::object fields) {
  json::object v{{"name", "b"}, {"backup_type", "daily"}, {"rotation", 2}};
  for (auto& kv : fields)
    v[kv.key()] = kv.value();
  backup_outcome out;
  out.ok = parse_create_backup(v, {2, 1}, out.req, out.error);
  return out;
}

} // namespace

TEST_CASE("server_schema: createBackup needs a name, a type and a "
          "non-negative rotation",
          "[schema]") {
  auto ok = backup_of({{"metadata", json::object{{"k", "v"}}}});
  REQUIRE(ok.ok);
  CHECK(ok.req.name == "b");
  CHECK(ok.req.backup.type == "daily");
  CHECK(ok.req.backup.keep == 2);
  CHECK(ok.req.metadata.at("k") == "v");
  auto text = backup_of({{"rotation", "0"}});
  REQUIRE(text.ok);
  CHECK(text.req.backup.keep == 0);
  auto negative = backup_of({{"rotation", -1}});
  CHECK_FALSE(negative.ok);
  CHECK(negative.error
        == "Invalid input for field/attribute rotation. Value: -1. -1 is "
           "less than the minimum of 0");
  auto word = backup_of({{"rotation", "two"}});
  CHECK_FALSE(word.ok);
  CHECK(word.error
        == "Invalid input for field/attribute rotation. Value: two. 'two' "
           "does not match '^[0-9]*$'");
  CHECK_THAT(backup_of({{"rotation", nullptr}}).error,
             Contains("is not of type 'integer', 'string'"));
  CHECK_THAT(backup_of({{"backup_type", 1}}).error,
             Contains("1 is not of type 'string'"));
  CHECK_THAT(backup_of({{"extra", 1}}).error,
             Contains("'extra' was unexpected"));
  CHECK_THAT(backup_of({{"name", " b"}}).error, Contains("name"));
  backup_outcome missing;
  CHECK_FALSE(parse_create_backup(json::object{{"name", "b"},
                                               {"backup_type", "daily"}},
                                  {2, 1}, missing.req, missing.error));
  CHECK(missing.error
        == "Invalid input for field/attribute createBackup. 'rotation' is a "
           "required property");
}
