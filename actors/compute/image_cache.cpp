#include "actors/compute/image_cache.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <map>
#include <set>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "actors/compute/image_cache_worker.hpp"
#include "images/qemu_img.hpp"
#include "messages/errors.hpp"
#include "util/digest.hpp"
#include "util/log.hpp"

namespace fs = std::filesystem;

namespace vmforge {

std::string base_file_name(const std::string& image_id) {
  return hex_digest(image_id, "SHA1");
}

namespace {

const char* log_name = "image_cache";

using base_promise = caf::typed_response_promise<base_image>;

enum class base_state { present, downloading };

struct entry {
  base_state state = base_state::present;
  std::string image_id;
  /// The record of the download in progress (its format for the answer).
  std::string format;
  std::vector<base_promise> waiters;
  int64_t last_used = 0;
  int64_t size = 0;
};

struct worker_slot {
  image_cache_worker_actor handle;
  /// The file being fetched (empty: idle) and the job's number, so that a
  /// late answer of a job already given up is recognised.
  std::string file;
  uint64_t job = 0;
};

struct cache_state {
  static inline const char* name = "image_cache";
  image_cache_config cfg;
  std::map<std::string, entry> entries; // by base file name
  std::deque<fetch_base> queue;
  std::vector<worker_slot> workers;
  image_cache_worker_actor lookup;
  /// Workers let go while stuck in a call: their exit is expected.
  std::vector<caf::actor_addr> abandoned;
  uint64_t next_job = 0;
};

using cache_pointer = image_cache_actor::stateful_pointer<cache_state>;

caf::duration timeout_of(int64_t seconds) {
  if (seconds <= 0)
    return caf::duration{caf::infinite};
  return caf::duration{std::chrono::seconds{seconds}};
}

int64_t now(cache_pointer self) {
  auto& clock = self->state.cfg.clock;
  return clock ? clock() : static_cast<int64_t>(std::time(nullptr));
}

std::string path_of(cache_pointer self, const std::string& file) {
  return self->state.cfg.dir + "/" + file;
}

std::string lock_of(const image_cache_config& cfg, const std::string& file) {
  return cfg.lock_dir + "/vmforge-" + file;
}

bool is_base_name(const std::string& name) {
  if (name.size() != 40)
    return false;
  for (char c : name)
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(c))
      return false;
  return true;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size()
         && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Sets a base's times to `t`: the file says when it was last used, for
// this cache after a restart and for every cache sharing the directory.
// False if the file is gone.
bool touch(const std::string& path, int64_t t) {
  timespec times[2];
  times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(t);
  times[0].tv_nsec = times[1].tv_nsec = 0;
  return ::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0;
}

void publish(cache_pointer self) {
  auto& st = self->state;
  if (!st.cfg.metrics)
    return;
  int64_t bases = 0, bytes = 0;
  for (auto& kv : st.entries)
    if (kv.second.state == base_state::present) {
      ++bases;
      bytes += kv.second.size;
    }
  st.cfg.metrics->bases.Set(static_cast<double>(bases));
  st.cfg.metrics->bytes.Set(static_cast<double>(bytes));
}

// The bases on disk: present ones (with their mtime as last use) taken
// in, or their times refreshed; those gone forgotten. Leftovers of
// downloads no one holds are deleted when `clean`.
void scan(cache_pointer self, bool clean) {
  auto& st = self->state;
  std::error_code ec;
  fs::create_directories(st.cfg.dir, ec);
  fs::create_directories(st.cfg.lock_dir, ec);
  std::set<std::string> seen;
  for (auto& f : fs::directory_iterator(st.cfg.dir, ec)) {
    auto name = f.path().filename().string();
    for (auto suffix : {".part", ".converted"}) {
      if (!clean || !ends_with(name, suffix))
        continue;
      // A download in progress (another cache sharing the directory)
      // holds the lock: its files stay.
      auto stem = name.substr(0, name.size() - std::strlen(suffix));
      auto lock = lock_of(st.cfg, stem);
      int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        log::info(log_name, st.cfg.host, ": removing ", f.path().string(),
                  ", left by a download that did not finish");
        ::unlink(f.path().c_str());
      }
      if (fd >= 0)
        ::close(fd);
    }
    struct stat sb {};
    if (!is_base_name(name) || ::stat(f.path().c_str(), &sb) != 0
        || !S_ISREG(sb.st_mode))
      continue;
    seen.insert(name);
    auto& e = st.entries[name];
    if (e.state == base_state::downloading)
      continue; // ours, not yet answered
    e.last_used = std::max<int64_t>(e.last_used, sb.st_mtime);
    e.size = static_cast<int64_t>(sb.st_size);
  }
  for (auto i = st.entries.begin(); i != st.entries.end();) {
    if (i->second.state == base_state::present && seen.count(i->first) == 0)
      i = st.entries.erase(i);
    else
      ++i;
  }
}

void answer_all(entry& e, const base_image& answer) {
  for (auto& rp : e.waiters)
    rp.deliver(answer);
  e.waiters.clear();
}

// A download that ended without a base: every waiter hears why, and the
// entry is forgotten so that the next request tries again.
void fail_entry(cache_pointer self, const std::string& file,
                const std::string& result, bool retryable,
                const std::string& why) {
  auto& st = self->state;
  auto i = st.entries.find(file);
  if (i == st.entries.end())
    return;
  if (auto& m = st.cfg.metrics)
    m->download(result).Increment();
  log::error(log_name, st.cfg.host, ": image ", i->second.image_id,
             " not cached (", result, "): ", why);
  base_image answer;
  answer.image_id = i->second.image_id;
  answer.retryable = retryable;
  answer.reason = why;
  answer_all(i->second, answer);
  st.entries.erase(i);
  publish(self);
}

void start_jobs(cache_pointer self);

void on_fetched(cache_pointer self, base_fetched& res) {
  auto& st = self->state;
  auto i = st.entries.find(res.file);
  if (i == st.entries.end() || i->second.state != base_state::downloading)
    return;
  auto& e = i->second;
  if (!res.ok) {
    fail_entry(self, res.file, res.result, res.retryable, res.reason);
    return;
  }
  auto path = path_of(self, res.file);
  if (res.downloaded) {
    if (auto& m = st.cfg.metrics) {
      m->download("ok").Increment();
      m->download_bytes.Increment(static_cast<double>(res.bytes));
      m->download_seconds.Observe(res.seconds);
    }
    log::info(log_name, st.cfg.host, ": image ", e.image_id, " downloaded: ",
              res.bytes, " bytes in ", res.seconds, " s, ", res.algo,
              " checked, ", res.format, " base ", path, ", result ok");
  } else {
    log::info(log_name, st.cfg.host, ": image ", e.image_id,
              " found in the shared cache directory: ", path);
  }
  e.state = base_state::present;
  e.size = res.size;
  e.last_used = now(self);
  touch(path, e.last_used);
  base_image answer{e.image_id, path, res.format, true, false, {}};
  answer_all(e, answer);
  publish(self);
}

worker_slot* slot_of(cache_pointer self, const caf::actor_addr& addr) {
  for (auto& w : self->state.workers)
    if (w.handle.address() == addr)
      return &w;
  return nullptr;
}

void abandon(cache_pointer self, const caf::actor_addr& addr) {
  auto& st = self->state;
  for (auto w = st.workers.begin(); w != st.workers.end(); ++w) {
    if (w->handle.address() != addr)
      continue;
    self->send_exit(w->handle, caf::exit_reason::user_shutdown);
    st.abandoned.push_back(addr);
    st.workers.erase(w);
    return;
  }
}

void run_job(cache_pointer self, worker_slot& w, fetch_base job) {
  auto& st = self->state;
  w.file = job.file;
  w.job = ++st.next_job;
  auto addr = w.handle.address();
  auto id = w.job;
  auto file = job.file;
  self->request(w.handle, timeout_of(st.cfg.download_timeout_s), std::move(job))
    .then(
      [self, addr, id](base_fetched& res) {
        auto w = slot_of(self, addr);
        if (w == nullptr || w->job != id)
          return;
        w->file.clear();
        w->job = 0;
        on_fetched(self, res);
        start_jobs(self);
      },
      [self, addr, id, file](caf::error& err) {
        auto w = slot_of(self, addr);
        if (w == nullptr || w->job != id)
          return;
        auto timeout = self->state.cfg.download_timeout_s;
        std::string why;
        if (err == caf::sec::request_timeout) {
          // Stuck in the image service: let it go (it keeps the lock, so
          // no other download of this image overwrites its files).
          abandon(self, addr);
          why = "the download did not finish within " + std::to_string(timeout)
                + " s";
        } else {
          w->file.clear();
          w->job = 0;
          why = "the download worker failed: " + error_message(err);
        }
        auto i = self->state.entries.find(file);
        auto img = i == self->state.entries.end() ? std::string{}
                                                   : i->second.image_id;
        fail_entry(self, file, "io_error", true,
                   "Image " + img + " could not be downloaded: " + why);
        start_jobs(self);
      });
}

void start_jobs(cache_pointer self) {
  auto& st = self->state;
  while (!st.queue.empty()) {
    worker_slot* free = nullptr;
    for (auto& w : st.workers)
      if (w.job == 0) {
        free = &w;
        break;
      }
    if (free == nullptr) {
      if (st.workers.size()
          >= static_cast<size_t>(std::max(1, st.cfg.download_workers)))
        return;
      st.workers.push_back({spawn_image_cache_worker(self, st.cfg.service,
                                                     st.cfg.detach_workers),
                            {}, 0});
      free = &st.workers.back();
    }
    auto job = std::move(st.queue.front());
    st.queue.pop_front();
    run_job(self, *free, std::move(job));
  }
}

caf::result<base_image> on_ensure(cache_pointer self, ensure_base& req) {
  auto& st = self->state;
  auto& img = req.img;
  if (img.id.empty())
    return base_image{{}, {}, {}, false, false, "an image without an id"};
  auto file = base_file_name(img.id);
  auto path = path_of(self, file);
  auto format = images::base_format_of(img.disk_format);
  auto i = st.entries.find(file);
  if (i != st.entries.end() && i->second.state == base_state::present) {
    auto t = now(self);
    // The touch is also the check that it is still there.
    if (touch(path, t)) {
      i->second.last_used = t;
      i->second.image_id = img.id;
      if (auto& m = st.cfg.metrics)
        m->hits.Increment();
      return base_image{img.id, path, format, true, false, {}};
    }
    log::warning(log_name, st.cfg.host, ": base ", path, " of image ", img.id,
                 " vanished; downloading it again");
    st.entries.erase(i);
    i = st.entries.end();
    publish(self);
  }
  auto rp = self->make_response_promise<base_image>();
  if (i != st.entries.end()) {
    if (auto& m = st.cfg.metrics)
      m->waits.Increment();
    i->second.waiters.push_back(rp);
    return rp;
  }
  if (auto& m = st.cfg.metrics)
    m->misses.Increment();
  auto& e = st.entries[file];
  e.state = base_state::downloading;
  e.image_id = img.id;
  e.format = format;
  e.waiters.push_back(rp);
  st.queue.push_back(fetch_base{std::move(req.img), std::move(req.auth),
                                st.cfg.dir, file, lock_of(st.cfg, file)});
  start_jobs(self);
  return rp;
}

caf::result<image> on_lookup(cache_pointer self, lookup_image& q) {
  auto& st = self->state;
  if (!st.lookup)
    st.lookup = spawn_image_cache_worker(self, st.cfg.service,
                                         st.cfg.detach_workers);
  auto rp = self->make_response_promise<image>();
  auto worker = st.lookup;
  self->request(worker, timeout_of(st.cfg.lookup_timeout_s), std::move(q))
    .then([rp](image& img) mutable { rp.deliver(std::move(img)); },
          [self, rp, worker](caf::error& err) mutable {
            auto& st = self->state;
            if (err == caf::sec::request_timeout && st.lookup == worker) {
              // Stuck: the next lookup gets a new worker.
              self->send_exit(worker, caf::exit_reason::user_shutdown);
              st.abandoned.push_back(worker.address());
              st.lookup = nullptr;
            }
            rp.deliver(std::move(err));
          });
  return rp;
}

image_cache_pass on_manage(cache_pointer self, manage_image_cache& req) {
  auto& st = self->state;
  scan(self, false); // what other caches sharing the directory did
  std::set<std::string> used;
  for (auto& id : req.in_use)
    used.insert(base_file_name(id));
  auto t = now(self);
  image_cache_pass out;
  for (auto i = st.entries.begin(); i != st.entries.end();) {
    auto& e = i->second;
    if (e.state != base_state::present || !e.waiters.empty()) {
      ++i;
      continue;
    }
    auto path = path_of(self, i->first);
    if (used.count(i->first) != 0) {
      touch(path, t);
      e.last_used = t;
    } else if (req.remove && st.cfg.remove_unused_base_images
               && t - e.last_used
                    >= st.cfg.remove_unused_original_minimum_age_s) {
      log::info(log_name, st.cfg.host, ": removing base ", path,
                " (image ", e.image_id.empty() ? "unknown" : e.image_id,
                "), unused for ", t - e.last_used, " s");
      if (::unlink(path.c_str()) == 0 || errno == ENOENT) {
        out.removed.push_back(i->first);
        if (auto& m = st.cfg.metrics)
          m->removed.Increment();
        i = st.entries.erase(i);
        continue;
      }
      log::error(log_name, st.cfg.host, ": cannot remove ", path, ": ",
                 std::strerror(errno));
    }
    ++i;
  }
  for (auto& kv : st.entries)
    if (kv.second.state == base_state::present) {
      ++out.bases;
      out.bytes += kv.second.size;
    }
  publish(self);
  return out;
}

image_cache_state on_get(cache_pointer self) {
  auto& st = self->state;
  image_cache_state out;
  out.dir = st.cfg.dir;
  for (auto& kv : st.entries) {
    auto& e = kv.second;
    out.bases.push_back(
      {kv.first, e.image_id,
       e.state == base_state::present ? "present" : "downloading",
       e.last_used, static_cast<int64_t>(e.waiters.size()), e.size});
  }
  return out;
}

void on_worker_exit(cache_pointer self, const caf::exit_msg& msg) {
  auto& st = self->state;
  auto gone = std::find(st.abandoned.begin(), st.abandoned.end(), msg.source);
  if (gone != st.abandoned.end()) {
    st.abandoned.erase(gone);
    return;
  }
  if (st.lookup && st.lookup.address() == msg.source) {
    st.lookup = nullptr; // its pending request errors; the next spawns one
    return;
  }
  auto w = slot_of(self, msg.source);
  if (w == nullptr) {
    self->quit(msg.reason); // our own shutdown
    return;
  }
  auto file = w->file;
  st.workers.erase(st.workers.begin() + (w - st.workers.data()));
  if (!file.empty()) {
    auto i = st.entries.find(file);
    auto img = i == st.entries.end() ? std::string{} : i->second.image_id;
    fail_entry(self, file, "io_error", true,
               "Image " + img + " could not be downloaded: the download "
                 "worker died: " + error_message(msg.reason));
  }
  start_jobs(self);
}

image_cache_actor::behavior_type image_cache(cache_pointer self,
                                             image_cache_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  scan(self, true);
  publish(self);
  self->set_exit_handler(
    [self](caf::exit_msg& msg) { on_worker_exit(self, msg); });
  return {
    [self](ensure_base& req) { return on_ensure(self, req); },
    [self](lookup_image& q) { return on_lookup(self, q); },
    [self](manage_image_cache& req) { return on_manage(self, req); },
    [self](get_image_cache&) { return on_get(self); },
  };
}

} // namespace

image_cache_actor spawn_image_cache(caf::local_actor* parent,
                                    image_cache_config cfg) {
  return parent->spawn<caf::linked>(image_cache, std::move(cfg));
}

image_cache_actor spawn_image_cache(caf::actor_system& sys,
                                    image_cache_config cfg) {
  return sys.spawn(image_cache, std::move(cfg));
}

} // namespace vmforge
