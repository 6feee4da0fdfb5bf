#include "actors/compute/driver_worker.hpp"

#include <caf/all.hpp>

#include "actors/compute/exception_reason.hpp"

namespace vmforge {

namespace {

driver_reply run(driver& drv, const driver_op& op) {
  driver_reply rep;
  rep.call = op.call;
  rep.instance_id = op.instance_id;
  driver_status st;
  switch (op.call) {
    case driver_call::spawn:
      st = drv.spawn(op.spec);
      break;
    case driver_call::destroy:
      st = drv.destroy(op.instance_id);
      break;
    case driver_call::power_on:
      st = drv.power_on(op.instance_id);
      break;
    case driver_call::power_off:
      st = drv.power_off(op.instance_id);
      break;
    case driver_call::reboot:
      st = drv.reboot(op.instance_id);
      break;
    case driver_call::pause:
      st = drv.pause(op.instance_id);
      break;
    case driver_call::rescue:
      st = drv.rescue(op.instance_id);
      break;
    case driver_call::unrescue:
      st = drv.unrescue(op.instance_id);
      break;
    case driver_call::unpause:
      st = drv.unpause(op.instance_id);
      break;
    case driver_call::suspend:
      st = drv.suspend(op.instance_id);
      break;
    case driver_call::resume:
      st = drv.resume(op.instance_id);
      break;
    case driver_call::get_power_state:
      break;
    case driver_call::snapshot:
      st = drv.snapshot(op.instance_id, op.file);
      break;
    case driver_call::console_output:
      st = drv.console_output(op.instance_id, rep.output);
      break;
  }
  rep.ok = st.ok;
  rep.retryable = st.retryable;
  rep.reason = std::move(st.reason);
  rep.power = rep.ok ? drv.get_power_state(op.instance_id) : power_state::nostate;
  return rep;
}

struct driver_worker_state {
  static inline const char* name = "driver_worker";
};

driver_worker_actor::behavior_type
driver_worker(driver_worker_actor::stateful_pointer<driver_worker_state> self,
              driver_ptr drv, compute_actor owner) {
  self->set_exception_handler(exception_reason);
  return {
    [self, drv, owner](driver_op& op) { self->send(owner, run(*drv, op)); },
  };
}

} // namespace

driver_worker_actor spawn_driver_worker(caf::local_actor* parent,
                                        driver_ptr drv, compute_actor owner,
                                        bool detached) {
  if (!detached)
    return parent->spawn<caf::linked>(driver_worker, std::move(drv),
                                      std::move(owner));
  return parent->spawn<caf::detached + caf::linked>(driver_worker,
                                                    std::move(drv),
                                                    std::move(owner));
}

} // namespace vmforge
