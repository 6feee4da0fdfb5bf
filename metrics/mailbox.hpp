#pragma once

#include <caf/scheduled_actor.hpp>

namespace vmforge::metrics {

/// Messages waiting in the actor's mailbox, as the actor sees them from one
/// of its handlers: those taken in for its current run (later arrivals
/// count at the next sample). Not mailbox().size(): in CAF 0.17's headers
/// its fetch downcasts the queue's sentinel node, undefined behaviour that
/// UBSan stops on.
inline double mailbox_depth(caf::scheduled_actor* self) {
  return static_cast<double>(self->mailbox().queue().total_task_size());
}

} // namespace vmforge::metrics
