#include <catch2/catch.hpp>

#include "actors/api/server_admin.hpp"

using namespace vmforge;

TEST_CASE("server_admin: os-resetState sets the vm_state and clears any "
          "task, at once",
          "[server_admin]") {
  auto u = reset_state_update("a", vm_state::error);
  CHECK(u.id == "a");
  CHECK(u.set_vm);
  CHECK(u.vm == vm_state::error);
  CHECK(u.task == task_state::none);
  // Whatever task runs, a delete's too (Nova's admin_state_reset).
  CHECK(u.expected.contains(task_state::deleting));
  CHECK(u.expected.contains(task_state::image_uploading));
  CHECK(u.acknowledged);
  CHECK_FALSE(u.set_power);
  CHECK_FALSE(u.set_host);
}

TEST_CASE("server_admin: the password is the password_* keys joined in "
          "order",
          "[server_admin]") {
  CHECK(extract_password({}).empty());
  CHECK(extract_password({{"shelved_host", "h"}}).empty());
  CHECK(extract_password({{"password_1", "cret"},
                          {"password_0", "se"},
                          {"passwords", "x"},
                          {"shelved_host", "h"}})
        == "secret");
}
