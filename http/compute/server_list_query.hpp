#pragma once

#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "http/compute/call.hpp"
#include "messages/instance.hpp"

// GET /servers[/detail]'s query as Nova's schemas (index_query to
// index_query_v275) and servers.py take it: from 2.75 a parameter the
// schema does not name is 400; the instance filters of Nova's database
// layer that 2.83 opened to non-admins (admins, allowed every filter by
// `os_compute_api:servers:allow_all_filters`, use them at any version).
namespace vmforge::http {

/// The parameters of index_query_v275 (or of the version's schema): ""
/// when all are known or the version is before 2.75, else Nova's 400 text.
std::string unknown_server_list_params(const call& c);

/// The 2.83 filters the caller may use, parsed: exact ones (user_id,
/// vm_state, task_state) and regular expressions matched anywhere in the
/// column as the database's REGEXP does (the rest).
class server_list_filters {
public:
  /// False, with Nova's 400 text in `error`, for an invalid expression.
  bool parse(const call& c, std::string& error);

  bool matches(const instance& row) const;

private:
  std::vector<std::pair<std::string, std::string>> exact_;
  std::vector<std::pair<std::string, std::regex>> regex_;
};

} // namespace vmforge::http
