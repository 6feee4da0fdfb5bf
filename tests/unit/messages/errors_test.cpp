#include <catch2/catch.hpp>

#include "messages/errors.hpp"

using namespace vmforge;

TEST_CASE("a domain error carries Nova's message with its arguments in order",
          "[errors]") {
  auto err = nova_error(errc::instance_not_found, "abc");
  CHECK(err == errc::instance_not_found);
  CHECK(error_message(err) == "Instance abc could not be found.");
  CHECK(error_message(nova_error(errc::over_quota, "instances", 2, 9, 10,
                                 "instances"))
        == "Quota exceeded for instances: Requested 2, but already used 9 of "
           "10 instances");
  CHECK(error_message(nova_error(errc::instance_invalid_state, "stop", "abc",
                                 "vm_state", "stopped"))
        == "Cannot 'stop' instance abc while it is in vm_state stopped");
  CHECK(error_message(nova_error(errc::keypair_limit_exceeded))
        == "Quota exceeded, too many key pairs.");
  CHECK(error_message(nova_error(errc::host_binary_not_found, "nova-compute",
                                 "h"))
        == "Could not find binary nova-compute on host h.");
}

TEST_CASE("the image errors carry Nova's templates", "[errors]") {
  CHECK(error_message(nova_error(errc::image_not_active, "abc"))
        == "Image abc is not active.");
  CHECK(error_message(nova_error(errc::image_not_authorized, "abc"))
        == "Not authorized for image abc.");
  CHECK(error_message(nova_error(errc::image_unacceptable, "abc", "why"))
        == "Image abc is unacceptable: why");
  CHECK(error_message(nova_error(errc::glance_connection_failed,
                                 "http://g:9292", "refused"))
        == "Connection to glance host http://g:9292 failed: refused");
  CHECK(error_message(nova_error(errc::flavor_memory_too_small))
        == "Flavor's memory is too small for requested image.");
  CHECK(error_message(nova_error(errc::flavor_disk_smaller_than_image,
                                 int64_t{1073741824}, int64_t{2}))
        == "Flavor's disk is too small for requested image. Flavor disk is "
           "1073741824 bytes, image is 2 bytes.");
  CHECK(error_message(nova_error(errc::flavor_disk_smaller_than_min_disk, 1,
                                 2))
        == "Flavor's disk is smaller than the minimum size specified in "
           "image metadata. Flavor disk is 1 bytes, minimum size is 2 bytes.");
  CHECK(error_message(nova_error(errc::zero_disk_flavor))
        == "Only volume-backed servers are allowed for flavors with zero "
           "disk.");
  CHECK(std::string{to_string(errc::zero_disk_flavor)}
        == "BootFromVolumeRequiredForZeroDiskFlavor");
}

TEST_CASE("every code has Nova's exception name and a message", "[errors]") {
  for (auto i = static_cast<int>(errc::invalid_input);
       i <= static_cast<int>(errc::internal); ++i) {
    auto code = static_cast<errc>(i);
    CHECK(std::string{to_string(code)} != "unknown");
    CHECK_FALSE(nova_message(code, {"x", "y", "z", "v", "w"}).empty());
  }
  CHECK(std::string{to_string(errc::no_valid_host)} == "NoValidHost");
  CHECK(nova_message(errc::no_valid_host, {"There are not enough hosts "
                                           "available."})
        == "No valid host was found. There are not enough hosts available.");
}
