#define CAF_SUITE image_cache
#include "tests/support/actor_fixture.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "actors/compute/image_cache.hpp"
#include "images/qemu_img.hpp"
#include "messages/errors.hpp"
#include "tests/support/disk_images.hpp"
#include "tests/support/fake_image_service.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vmforge;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

template <class Handle>
caf::resumable* job_of(const Handle& h) {
  return dynamic_cast<caf::resumable*>(
    caf::actor_cast<caf::abstract_actor*>(h));
}

image raw_image(std::string id) {
  auto img = make_image(std::move(id), "raw-image");
  img.disk_format = "raw";
  return img;
}

void set_mtime(const fs::path& path, int64_t t) {
  timespec times[2] = {{static_cast<time_t>(t), 0},
                       {static_cast<time_t>(t), 0}};
  CAF_REQUIRE_EQUAL(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

int64_t mtime(const fs::path& path) {
  struct stat st {};
  CAF_REQUIRE_EQUAL(::stat(path.c_str(), &st), 0);
  return st.st_mtime;
}

// Every name in a directory.
std::set<std::string> names(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto& f : fs::directory_iterator(dir, ec))
    out.insert(f.path().filename().string());
  return out;
}

struct fixture : test::actor_fixture {
  test::temp_dir tmp;
  std::shared_ptr<test::fake_image_service> svc
    = std::make_shared<test::fake_image_service>();
  metrics::registry_ptr reg = std::make_shared<metrics::registry>();
  metrics::image_cache_metrics& m = reg->image_cache("h");
  int64_t clock = 1'700'000'000;
  image_cache_config cfg;
  image_cache_actor cache;
  image img;
  fs::path dir = tmp.path / "_base";

  fixture() {
    cfg.host = "h";
    cfg.dir = dir.string();
    cfg.lock_dir = (tmp.path / "locks").string();
    cfg.service = svc;
    cfg.detach_workers = false;
    cfg.metrics = {reg, &m};
    cfg.clock = [this] { return clock; };
    img = svc->add(raw_image("img-1"), "raw disk bytes of img-1");
  }

  ~fixture() {
    if (cache)
      self->send_exit(cache, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void start() {
    cache = spawn_image_cache(sys, cfg);
    sched.run();
  }

  fs::path base_of(const image& i) const {
    return dir / base_file_name(i.id);
  }

  // Runs the cache alone: its workers' calls stay pending.
  void run_cache_only() {
    auto mine = job_of(cache);
    sched.run_jobs_filtered([&](caf::resumable* r) { return r == mine; });
  }

  base_image answer() {
    base_image out;
    self->receive([&](base_image& b) { out = std::move(b); },
                  caf::after(0s) >> [] { CAF_FAIL("no base_image"); });
    return out;
  }

  base_image ensure(const image& i) {
    self->send(cache, ensure_base{i, image_auth{}});
    sched.run();
    return answer();
  }

  image_cache_state state() {
    self->send(cache, get_image_cache{});
    sched.run();
    image_cache_state out;
    self->receive([&](image_cache_state& s) { out = std::move(s); },
                  caf::after(0s) >> [] { CAF_FAIL("no state"); });
    return out;
  }

  image_cache_pass manage(std::vector<std::string> in_use, bool remove = true) {
    self->send(cache, manage_image_cache{std::move(in_use), remove});
    sched.run();
    image_cache_pass out;
    self->receive([&](image_cache_pass& p) { out = std::move(p); },
                  caf::after(0s) >> [] { CAF_FAIL("no pass"); });
    return out;
  }

  double downloads(const char* result) {
    return m.download(result).Value();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(image_cache_tests, fixture)

CAF_TEST(the base file of an image is named after the sha1 of its id) {
  // Nova's imagecache.get_cache_fname: hashlib.sha1(id.encode()).hexdigest()
  CAF_CHECK_EQUAL(base_file_name("8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"),
                  "358f127c4493f5ed7463dbc6a58a0b5eb3008cf1");
}

CAF_TEST(twenty requests for one new image make one download and twenty
           answers) {
  start();
  for (int i = 0; i < 20; ++i)
    self->send(cache, ensure_base{img, image_auth{}});
  run_cache_only();
  CAF_CHECK_EQUAL(svc->downloads(img.id), 0);
  CAF_CHECK_EQUAL(m.misses.Value(), 1.0);
  CAF_CHECK_EQUAL(m.waits.Value(), 19.0);
  sched.run();
  CAF_CHECK_EQUAL(svc->downloads(img.id), 1);
  for (int i = 0; i < 20; ++i) {
    auto b = answer();
    CAF_CHECK(b.ok);
    CAF_CHECK_EQUAL(b.image_id, img.id);
    CAF_CHECK_EQUAL(b.path, base_of(img).string());
    CAF_CHECK_EQUAL(b.format, "raw");
  }
  CAF_CHECK_EQUAL(test::read_file(base_of(img)), svc->data(img.id));
  CAF_CHECK(names(dir) == std::set<std::string>{base_file_name(img.id)});
  CAF_CHECK_EQUAL(downloads("ok"), 1.0);
  CAF_CHECK_EQUAL(m.download_bytes.Value(),
                  static_cast<double>(svc->data(img.id).size()));
  CAF_CHECK_EQUAL(m.bases.Value(), 1.0);
  CAF_CHECK_EQUAL(m.bytes.Value(),
                  static_cast<double>(svc->data(img.id).size()));
  CAF_CHECK_EQUAL(m.hits.Value(), 0.0);
}

CAF_TEST(a present base is a hit that touches it) {
  start();
  CAF_REQUIRE(ensure(img).ok);
  clock += 100;
  auto b = ensure(img);
  CAF_CHECK(b.ok);
  CAF_CHECK_EQUAL(b.path, base_of(img).string());
  CAF_CHECK_EQUAL(svc->downloads(img.id), 1);
  CAF_CHECK_EQUAL(m.hits.Value(), 1.0);
  CAF_CHECK_EQUAL(mtime(base_of(img)), clock);
  // A base that vanished is downloaded again.
  fs::remove(base_of(img));
  CAF_CHECK(ensure(img).ok);
  CAF_CHECK_EQUAL(svc->downloads(img.id), 2);
  CAF_CHECK(fs::exists(base_of(img)));
}

CAF_TEST(a checksum mismatch fails every waiter as retryable and leaves
           nothing then the next request downloads again) {
  svc->fail_downloads(images::image_errc::checksum_mismatch);
  start();
  for (int i = 0; i < 3; ++i)
    self->send(cache, ensure_base{img, image_auth{}});
  sched.run();
  for (int i = 0; i < 3; ++i) {
    auto b = answer();
    CAF_CHECK(!b.ok);
    CAF_CHECK(b.retryable);
    CAF_CHECK_EQUAL(b.reason, "Image img-1 could not be downloaded: Corrupt "
                              "image download.");
  }
  CAF_CHECK_EQUAL(svc->downloads(img.id), 1);
  CAF_CHECK(names(dir).empty()); // no .part, no base
  CAF_CHECK_EQUAL(downloads("checksum_mismatch"), 1.0);
  CAF_CHECK(state().bases.empty()); // the failure is forgotten
  auto b = ensure(img);
  CAF_CHECK(b.ok);
  CAF_CHECK_EQUAL(svc->downloads(img.id), 2);
  CAF_CHECK_EQUAL(test::read_file(base_of(img)), svc->data(img.id));
  CAF_CHECK_EQUAL(m.misses.Value(), 2.0);
}

CAF_TEST(a failed download is retryable and leaves nothing) {
  svc->fail_downloads(images::image_errc::http_error);
  start();
  auto b = ensure(img);
  CAF_CHECK(!b.ok);
  CAF_CHECK(b.retryable);
  CAF_CHECK_EQUAL(b.reason,
                  "Image img-1 could not be downloaded: injected failure");
  CAF_CHECK(names(dir).empty());
  CAF_CHECK_EQUAL(downloads("http_error"), 1.0);
  svc->fail_downloads(images::image_errc::no_data);
  CAF_CHECK(ensure(img).retryable);
  CAF_CHECK_EQUAL(downloads("no_data"), 1.0);
  CAF_CHECK(ensure(img).ok);
}

CAF_TEST(what qemu-img refuses is unacceptable and leaves nothing) {
  struct refused {
    const char* id;
    std::string bytes;
    std::string reason;
  };
  std::vector<refused> cases{
    {"liar", "raw bytes, said qcow2",
     "Image liar is unacceptable: its disk_format is qcow2 but qemu-img "
     "reads it as raw"},
    {"backed", test::qcow2_backed_by("/etc/passwd"),
     "Image backed is unacceptable: fmt=qcow2 backed by: /etc/passwd"},
    // A qcow2 header qemu-img cannot open: Nova's InvalidDiskInfo.
    {"broken", std::string{"QFI\xfb\0\0\0\3", 8} + std::string(504, '\0'),
     "Disk info file is invalid: qemu-img info of "}};
  for (auto& c : cases)
    svc->add(make_image(c.id, c.id), c.bytes);
  start();
  for (auto& c : cases) {
    CAF_MESSAGE("image " << c.id);
    auto b = ensure(svc->show({}, c.id));
    CAF_CHECK(!b.ok);
    CAF_CHECK(!b.retryable); // every host would get the same bytes
    CAF_CHECK_EQUAL(b.reason.substr(0, c.reason.size()), c.reason);
    CAF_CHECK(names(dir).empty());
  }
  CAF_CHECK_EQUAL(downloads("unacceptable"), 3.0);
}

CAF_TEST(a qcow2 image is kept as it is and a vmdk one is converted) {
  auto q = svc->add(make_image("q", "q"), test::blank_disk("qcow2"));
  auto v = make_image("v", "v");
  v.disk_format = "vmdk";
  v = svc->add(v, test::blank_disk("vmdk"));
  start();
  auto bq = ensure(q);
  CAF_REQUIRE(bq.ok);
  CAF_CHECK_EQUAL(bq.format, "qcow2");
  CAF_CHECK_EQUAL(test::read_file(bq.path), svc->data("q"));
  auto bv = ensure(v);
  CAF_REQUIRE(bv.ok);
  CAF_CHECK_EQUAL(bv.format, "qcow2");
  CAF_CHECK_EQUAL(images::qemu_img_info(bv.path).format, "qcow2");
  CAF_CHECK(names(dir)
            == (std::set<std::string>{base_file_name("q"),
                                      base_file_name("v")}));
}

CAF_TEST(leftovers of downloads are removed at start and bases found are
           present) {
  fs::create_directories(dir);
  auto base = base_of(img);
  std::ofstream{base} << svc->data(img.id);
  set_mtime(base, clock - 500);
  auto other = base_file_name("other");
  std::ofstream{dir / (other + ".part")} << "half";
  std::ofstream{dir / (other + ".converted")} << "half";
  // A download in progress elsewhere holds its lock: its file stays.
  auto busy = base_file_name("busy");
  std::ofstream{dir / (busy + ".part")} << "in progress";
  fs::create_directories(tmp.path / "locks");
  auto lock_path = (tmp.path / "locks" / ("vmforge-" + busy)).string();
  int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
  CAF_REQUIRE(lock >= 0);
  CAF_REQUIRE_EQUAL(::flock(lock, LOCK_EX), 0);
  std::ofstream{dir / "not-a-base"} << "left alone";
  start();
  ::close(lock);
  CAF_CHECK(names(dir)
            == (std::set<std::string>{base_file_name(img.id), busy + ".part",
                                      "not-a-base"}));
  auto st = state();
  CAF_REQUIRE_EQUAL(st.bases.size(), 1u);
  CAF_CHECK_EQUAL(st.bases[0].file, base_file_name(img.id));
  CAF_CHECK_EQUAL(st.bases[0].state, "present");
  CAF_CHECK_EQUAL(st.bases[0].last_used, clock - 500);
  CAF_CHECK_EQUAL(m.bases.Value(), 1.0);
  auto b = ensure(img);
  CAF_CHECK(b.ok);
  CAF_CHECK_EQUAL(svc->downloads(img.id), 0);
  CAF_CHECK_EQUAL(m.hits.Value(), 1.0);
}

CAF_TEST(the manager removes an old unused base and keeps used and young
           ones) {
  cfg.remove_unused_original_minimum_age_s = 3600;
  auto used = svc->add(raw_image("used"), "used bytes");
  auto young = svc->add(raw_image("young"), "young bytes");
  start();
  CAF_REQUIRE(ensure(img).ok);
  CAF_REQUIRE(ensure(used).ok);
  clock += 3000;
  CAF_REQUIRE(ensure(young).ok);
  clock += 1000; // img and used: 4000 s; young: 1000 s
  // A pass that only touches removes nothing.
  auto pass = manage({}, false);
  CAF_CHECK(pass.removed.empty());
  CAF_CHECK_EQUAL(pass.bases, 3);
  pass = manage({used.id});
  CAF_CHECK(pass.removed == std::vector<std::string>{base_file_name(img.id)});
  CAF_CHECK_EQUAL(pass.bases, 2);
  CAF_CHECK(!fs::exists(base_of(img)));
  CAF_CHECK(fs::exists(base_of(used)));
  CAF_CHECK(fs::exists(base_of(young)));
  CAF_CHECK_EQUAL(mtime(base_of(used)), clock); // touched: in use
  CAF_CHECK_EQUAL(m.removed.Value(), 1.0);
  CAF_CHECK_EQUAL(m.bases.Value(), 2.0);
  // A removed base is downloaded again when asked for.
  CAF_CHECK(ensure(img).ok);
  CAF_CHECK_EQUAL(svc->downloads(img.id), 2);
}

CAF_TEST(the manager keeps everything without remove_unused_base_images) {
  cfg.remove_unused_base_images = false;
  cfg.remove_unused_original_minimum_age_s = 0;
  start();
  CAF_REQUIRE(ensure(img).ok);
  clock += 100000;
  CAF_CHECK(manage({}).removed.empty());
  CAF_CHECK(fs::exists(base_of(img)));
}

CAF_TEST(the manager never removes a base being downloaded) {
  cfg.remove_unused_original_minimum_age_s = 0;
  start();
  self->send(cache, ensure_base{img, image_auth{}});
  run_cache_only(); // the download is pending on its worker
  self->send(cache, manage_image_cache{{}, true});
  run_cache_only();
  image_cache_pass pass;
  self->receive([&](image_cache_pass& p) { pass = std::move(p); },
                caf::after(0s) >> [] { CAF_FAIL("no pass"); });
  CAF_CHECK(pass.removed.empty());
  CAF_CHECK_EQUAL(pass.bases, 0);
  sched.run();
  CAF_CHECK(answer().ok);
  CAF_CHECK(fs::exists(base_of(img)));
}

CAF_TEST(the manager sees bases another cache of the directory made) {
  cfg.remove_unused_original_minimum_age_s = 3600;
  start();
  fs::create_directories(dir);
  auto base = dir / base_file_name("elsewhere");
  std::ofstream{base} << "another host's";
  set_mtime(base, clock - 100);
  auto stale = dir / base_file_name("stale");
  std::ofstream{stale} << "nobody's";
  set_mtime(stale, clock - 7200);
  auto pass = manage({});
  CAF_CHECK(pass.removed == std::vector<std::string>{base_file_name("stale")});
  CAF_CHECK(fs::exists(base));
  CAF_CHECK_EQUAL(pass.bases, 1);
}

CAF_TEST(lookup_image answers the record or image_not_found) {
  start();
  self->send(cache, lookup_image{image_auth{}, img.id});
  sched.run();
  self->receive([&](image& got) { CAF_CHECK_EQUAL(got.id, img.id); },
                caf::after(0s) >> [] { CAF_FAIL("no image"); });
  CAF_CHECK_EQUAL(svc->calls("show"), 1);
  self->send(cache, lookup_image{image_auth{}, "gone"});
  sched.run();
  self->receive(
    [](caf::error& err) {
      CAF_CHECK(err == errc::image_not_found);
      CAF_CHECK_EQUAL(error_message(err), "Image gone could not be found.");
    },
    caf::after(0s) >> [] { CAF_FAIL("no error"); });
}

CAF_TEST_FIXTURE_SCOPE_END()
