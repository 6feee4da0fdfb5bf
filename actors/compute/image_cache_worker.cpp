#include "actors/compute/image_cache_worker.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "actors/compute/exception_reason.hpp"
#include "images/qemu_img.hpp"
#include "messages/errors.hpp"

namespace vmforge {

namespace {

using steady_clock = std::chrono::steady_clock;

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    reset();
  }
  void reset() {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }
};

// How a step failed: the answer's result label, whether another attempt
// (here or on another host) may succeed, and why.
struct fetch_failure {
  std::string result;
  bool retryable;
  std::string reason;
};

[[noreturn]] void io_failure(const std::string& what) {
  throw fetch_failure{"io_error", true, what + ": " + std::strerror(errno)};
}

const char* result_of(images::image_errc code) {
  switch (code) {
    case images::image_errc::checksum_mismatch:
      return "checksum_mismatch";
    case images::image_errc::no_data:
      return "no_data";
    case images::image_errc::io_error:
      return "io_error";
    default:
      return "http_error";
  }
}

int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void fsync_path(const std::string& path, int flags) {
  fd_guard f{::open(path.c_str(), flags | O_CLOEXEC)};
  if (f.fd < 0 || ::fsync(f.fd) != 0)
    io_failure("cannot sync " + path);
}

// Nova's ImageUnacceptable, in its words.
fetch_failure unacceptable(const image& img, const std::string& why) {
  return {"unacceptable", false,
          "Image " + img.id + " is unacceptable: " + why};
}

// qemu-img's view of the downloaded file, checked as Nova's fetch_to_raw
// checks it: a file that is not what its record says, or that points at
// other files of the host, is refused.
void check(const image& img, const images::disk_info& info) {
  auto want = images::probed_format_of(img.disk_format);
  if (!info.backing_file.empty())
    throw unacceptable(img, "fmt=" + info.format
                              + " backed by: " + info.backing_file);
  if (!info.data_file.empty())
    throw unacceptable(img, "fmt=" + info.format + " has a data file: "
                              + info.data_file);
  if (info.format != want)
    throw unacceptable(img, "its disk_format is " + img.disk_format
                              + " but qemu-img reads it as " + info.format);
}

void download_into(images::image_service& service, const fetch_base& job,
                   const std::string& part, base_fetched& out) {
  fd_guard fd;
  for (int attempt = 0;; ++attempt) {
    fd.fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                   0644);
    // Under the lock, a .part is what a process that died left.
    if (fd.fd < 0 && errno == EEXIST && attempt == 0) {
      ::unlink(part.c_str());
      continue;
    }
    if (fd.fd < 0)
      io_failure("cannot create " + part);
    break;
  }
  try {
    auto got = service.download(job.auth, job.img, fd.fd);
    out.bytes = got.bytes;
    out.algo = got.algo;
  } catch (const images::image_error& e) {
    throw fetch_failure{result_of(e.code()), true,
                        "Image " + job.img.id
                          + " could not be downloaded: " + e.what()};
  } catch (const std::exception& e) {
    throw fetch_failure{"io_error", true,
                        "Image " + job.img.id
                          + " could not be downloaded: " + e.what()};
  }
  if (::fsync(fd.fd) != 0)
    io_failure("cannot sync " + part);
}

} // namespace

base_fetched fetch_base_file(images::image_service& service,
                             const fetch_base& job) {
  base_fetched out;
  out.file = job.file;
  out.format = images::base_format_of(job.img.disk_format);
  auto base = job.dir + "/" + job.file;
  auto part = base + ".part";
  auto converted = base + ".converted";
  bool made = false;
  // Held until the temporary files are gone, failure or not.
  fd_guard lock;
  try {
    std::error_code ec;
    std::filesystem::create_directories(job.dir, ec);
    std::filesystem::create_directories(
      std::filesystem::path{job.lock}.parent_path(), ec);
    lock.fd = ::open(job.lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock.fd < 0)
      io_failure("cannot open the lock " + job.lock);
    while (::flock(lock.fd, LOCK_EX) != 0)
      if (errno != EINTR)
        io_failure("cannot lock " + job.lock);
    if (exists(base)) {
      out.ok = true;
      out.size = file_size(base);
      return out;
    }
    auto started = steady_clock::now();
    made = true;
    out.downloaded = true;
    download_into(service, job, part, out);
    images::disk_info info;
    try {
      info = images::qemu_img_info(part);
    } catch (const images::qemu_img_error& e) {
      // A file qemu-img cannot read is Nova's InvalidDiskInfo (every host
      // would get the same bytes); qemu-img missing is this host's problem.
      if (e.ran())
        throw fetch_failure{"unacceptable", false,
                            std::string{"Disk info file is invalid: "}
                              + e.what()};
      throw fetch_failure{"io_error", true, e.what()};
    }
    check(job.img, info);
    if (info.format != out.format) {
      try {
        images::qemu_img_convert(part, info.format, converted, out.format);
      } catch (const images::qemu_img_error& e) {
        // Out of space, or a file qemu-img read but cannot convert.
        throw fetch_failure{"io_error", true, e.what()};
      }
      fsync_path(converted, O_RDONLY);
      ::unlink(part.c_str());
      if (::rename(converted.c_str(), base.c_str()) != 0)
        io_failure("cannot rename " + converted);
    } else if (::rename(part.c_str(), base.c_str()) != 0) {
      io_failure("cannot rename " + part);
    }
    fsync_path(job.dir, O_RDONLY | O_DIRECTORY);
    out.ok = true;
    out.result = "ok";
    out.size = file_size(base);
    out.seconds = std::chrono::duration<double>(steady_clock::now() - started)
                    .count();
    return out;
  } catch (const fetch_failure& f) {
    out.ok = false;
    out.result = f.result;
    out.retryable = f.retryable;
    out.reason = f.reason;
  } catch (const std::exception& e) {
    out.ok = false;
    out.result = "io_error";
    out.retryable = true;
    out.reason = "Image " + job.img.id + " could not be cached: " + e.what();
  }
  if (made) {
    // Nova's remove_path_on_error: nothing partial stays. The lock is
    // still held: no other cache has written these names meanwhile.
    ::unlink(part.c_str());
    ::unlink(converted.c_str());
  }
  return out;
}

namespace {

struct worker_state {
  static inline const char* name = "image_cache_worker";
};

image_cache_worker_actor::behavior_type
image_cache_worker(image_cache_worker_actor::stateful_pointer<worker_state> self,
                   images::image_service_ptr service) {
  self->set_exception_handler(exception_reason);
  return {
    [service](fetch_base& job) {
      if (!service) {
        base_fetched out;
        out.file = job.file;
        out.result = "io_error";
        out.reason = "Image " + job.img.id + " could not be downloaded: the "
                     "host has no image service";
        return out;
      }
      return fetch_base_file(*service, job);
    },
    [service](lookup_image& q) -> caf::result<image> {
      if (!service)
        return caf::make_error(caf::sec::runtime_error,
                               "Image " + q.id + " could not be read: the "
                               "host has no image service");
      try {
        return service->show(q.auth, q.id);
      } catch (const images::image_error& e) {
        if (e.code() == images::image_errc::not_found)
          return nova_error(errc::image_not_found, q.id);
        return caf::make_error(caf::sec::runtime_error,
                               "Image " + q.id + " could not be read from "
                                 "the image service: " + e.what());
      } catch (const std::exception& e) {
        return caf::make_error(caf::sec::runtime_error,
                               "Image " + q.id + " could not be read from "
                                 "the image service: " + e.what());
      }
    },
  };
}

} // namespace

image_cache_worker_actor
spawn_image_cache_worker(caf::local_actor* parent,
                         images::image_service_ptr service, bool detached) {
  if (!detached)
    return parent->spawn<caf::linked>(image_cache_worker, std::move(service));
  return parent->spawn<caf::detached + caf::linked>(image_cache_worker,
                                                    std::move(service));
}

} // namespace vmforge
