#include "app/message_types.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

#include "messages/errors.hpp"
#include "app/type_ids.hpp"

namespace vmforge {

namespace {

template <class Enum>
void add_category(caf::actor_system_config& cfg, const char* name) {
  // Render our errors by name instead of "error(3, 'api_errc')".
  cfg.add_error_category(
    caf::atom_from_string(name),
    [](uint8_t code, caf::atom_value, const caf::message& ctx) {
      std::string out = to_string(static_cast<Enum>(code));
      if (!ctx.empty())
        out += ": " + caf::to_string(ctx);
      return out;
    });
}

} // namespace

void register_messages(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::vmforge>();
  add_category<api_errc>(cfg, "api_errc");
  add_category<sched_errc>(cfg, "sched_errc");
}

} // namespace vmforge
