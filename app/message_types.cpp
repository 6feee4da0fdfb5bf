#include "app/message_types.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

#include "app/type_ids.hpp"
#include "messages/errors.hpp"

namespace vmforge {

void register_messages(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::vmforge>();
  // Render our errors by Nova's name instead of "error(7, 'vmforge')".
  cfg.add_error_category(
    caf::atom("vmforge"),
    [](uint8_t code, caf::atom_value, const caf::message& ctx) {
      std::string out = to_string(static_cast<errc>(code));
      if (!ctx.empty())
        out += ": " + caf::to_string(ctx);
      return out;
    });
}

} // namespace vmforge
