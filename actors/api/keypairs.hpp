#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "messages/keypair.hpp"

namespace vmforge {

/// Users' keypairs (os-keypairs), by user and name.
class keypairs {
public:
  /// Takes the keypairs a database held; new ids follow the highest.
  void restore(const std::vector<keypair>& stored);

  /// Records `kp` as the user's if the name is free and the user has fewer
  /// than `limit` (below 0: unlimited); assigns its id and creation time.
  caf::expected<keypair> create(const std::string& user_id, keypair kp,
                                int64_t limit);

  /// The user's keypairs, or with a name only that one (KeypairNotFound if
  /// the user has none of that name).
  caf::expected<keypair_list> get(const std::string& user_id,
                                  const std::string& name) const;

  caf::error remove(const std::string& user_id, const std::string& name);

  bool has(const std::string& user_id, const std::string& name) const;

  /// Every user's keypairs.
  int64_t count() const;

private:
  std::map<std::string, std::map<std::string, keypair>> by_user_;
  int64_t next_id_ = 1;
};

} // namespace vmforge
