#include "actors/compute/image_worker.hpp"

#include <chrono>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "actors/compute/backup_rotation.hpp"
#include "util/log.hpp"

namespace vmforge {

namespace {

// A rotation that cannot list the images leaves the backup uploaded: the
// snapshot succeeded (Nova logs it too).
void rotate_after_upload(images::image_service& svc, const image_job& job) {
  try {
    rotate_backups(svc, job.auth, job.instance_id, job.image_id, job.backup);
  } catch (const std::exception& e) {
    log::warning("image_worker", "instance ", job.instance_id,
                 ": no backup rotation: ", e.what());
  }
}

} // namespace

image_job_done run_image_job(images::image_service& svc,
                             const image_job& job) {
  image_job_done out;
  out.kind = job.kind;
  out.instance_id = job.instance_id;
  out.image_id = job.image_id;
  auto started = std::chrono::steady_clock::now();
  try {
    if (job.kind == image_job_kind::remove) {
      svc.remove(job.auth, job.image_id);
    } else {
      int fd = ::open(job.file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        throw images::image_error(images::image_errc::io_error, "upload",
                                  "cannot read " + job.file);
      struct stat st{};
      ::fstat(fd, &st);
      try {
        // Nova's libvirt driver: the formats and its properties first (a
        // queued image's formats can only be set before its data), then
        // the data (Glance's PUT .../file).
        images::image_update u;
        u.disk_format = "qcow2";
        u.container_format = "bare";
        u.properties = job.properties;
        svc.update(job.auth, job.image_id, u);
        svc.upload(job.auth, job.image_id, fd, st.st_size);
      } catch (...) {
        ::close(fd);
        throw;
      }
      ::close(fd);
      out.bytes = st.st_size;
      if (job.backup.keep >= 0)
        rotate_after_upload(svc, job);
    }
    out.ok = true;
  } catch (const images::image_error& e) {
    // An image already gone needs no delete.
    out.ok = job.kind == image_job_kind::remove
             && e.code() == images::image_errc::not_found;
    out.reason = e.what();
  } catch (const std::exception& e) {
    out.reason = e.what();
  }
  if (job.kind == image_job_kind::upload && !job.file.empty())
    ::unlink(job.file.c_str());
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                              - started)
                  .count();
  return out;
}

namespace {

image_worker_actor::behavior_type
image_worker(image_worker_actor::pointer self, images::image_service_ptr svc,
             compute_actor owner) {
  return {
    [self, svc, owner](image_job& job) {
      image_job_done done;
      if (svc) {
        done = run_image_job(*svc, job);
      } else {
        done.kind = job.kind;
        done.instance_id = job.instance_id;
        done.image_id = job.image_id;
        done.reason = "this compute host has no image service";
        if (!job.file.empty())
          ::unlink(job.file.c_str());
      }
      self->send(owner, std::move(done));
      self->quit();
    },
  };
}

} // namespace

image_worker_actor spawn_image_worker(caf::local_actor* parent,
                                      images::image_service_ptr svc,
                                      compute_actor owner, bool detached) {
  if (!detached)
    return parent->spawn(image_worker, std::move(svc), std::move(owner));
  return parent->spawn<caf::detached>(image_worker, std::move(svc),
                                      std::move(owner));
}

} // namespace vmforge
