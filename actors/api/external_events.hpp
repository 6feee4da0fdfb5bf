#pragma once

#include <optional>
#include <vector>

#include "actors/api/api_actor.hpp"
#include "messages/instance.hpp"

namespace vmforge {

/// Nova's os-server-external-events, per event: a server not found is
/// 404, an event that needs a tag without one 400, a server without a
/// host 422 (nowhere to dispatch it), else 200; failed ones get status
/// "failed". `rows` are the live rows found. Answers whether all passed
/// (the request's 200, else 207).
bool decide_events(std::vector<server_event>& events,
                   const std::vector<instance>& rows);

/// The instance action Nova's API records for an accepted event:
/// "extend_volume" for volume-extended, "start" / "stop" for a
/// power-update's POWER_ON / POWER_OFF; nullptr for the others.
const char* recorded_action(const server_event& event);

/// What an accepted power-update (2.76: the power changed outside Nova,
/// as Ironic reports it) does to the row, as Nova's power_update syncs
/// it: POWER_OFF of an ACTIVE running instance stops it, POWER_ON of a
/// STOPPED shut down one starts it; nothing in any other state (Nova's
/// no-op).
std::optional<instance_update> power_update_of(const server_event& event,
                                               const instance& row);

} // namespace vmforge
