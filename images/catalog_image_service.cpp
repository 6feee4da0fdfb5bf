#include "images/catalog_image_service.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <openssl/evp.h>

#include "util/digest.hpp"
#include "util/log.hpp"
#include "util/uuid.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace vmforge::images {

namespace {

constexpr const char* log_name = "images";

std::string now_iso() {
  char buf[32];
  auto t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

[[noreturn]] void io_failure(const char* call, const std::string& what) {
  throw image_error(image_errc::io_error, call,
                    what + ": " + std::strerror(errno));
}

// qemu-img, as Nova's libvirt driver makes disks: never hand-written.
// Made under a name of its own, then renamed: another process starting
// from the same configuration never hashes a half-written file.
bool create_blank(const std::string& file, const std::string& format) {
  fs::create_directories(fs::path{file}.parent_path());
  auto tmp = file + ".tmp-" + std::to_string(::getpid());
  auto pid = fork();
  if (pid == 0) {
    execlp("qemu-img", "qemu-img", "create", "-q", "-f", format.c_str(),
           tmp.c_str(), "64M", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  auto made = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status)
              && WEXITSTATUS(status) == 0;
  if (made && ::rename(tmp.c_str(), file.c_str()) == 0)
    return true;
  ::unlink(tmp.c_str());
  return false;
}

json::object to_json(const image& i) {
  json::object props;
  for (auto& kv : i.properties)
    props[kv.first] = kv.second;
  return {{"id", i.id},
          {"name", i.name},
          {"disk_format", i.disk_format},
          {"container_format", i.container_format},
          {"status", i.status},
          {"visibility", i.visibility},
          {"owner", i.owner},
          {"size", i.size},
          {"virtual_size", i.virtual_size},
          {"min_ram", i.min_ram_mb},
          {"min_disk", i.min_disk_gb},
          {"checksum", i.checksum},
          {"os_hash_algo", i.os_hash_algo},
          {"os_hash_value", i.os_hash_value},
          {"protected", i.is_protected},
          {"properties", std::move(props)},
          {"created_at", i.created_at},
          {"updated_at", i.updated_at}};
}

image from_json(const json::object& o) {
  image i;
  auto text = [&](const char* k) { return std::string{o.at(k).as_string()}; };
  i.id = text("id");
  i.name = text("name");
  i.disk_format = text("disk_format");
  i.container_format = text("container_format");
  i.status = text("status");
  i.visibility = text("visibility");
  i.owner = text("owner");
  i.size = o.at("size").to_number<int64_t>();
  i.virtual_size = o.at("virtual_size").to_number<int64_t>();
  i.min_ram_mb = o.at("min_ram").to_number<int64_t>();
  i.min_disk_gb = o.at("min_disk").to_number<int64_t>();
  i.checksum = text("checksum");
  i.os_hash_algo = text("os_hash_algo");
  i.os_hash_value = text("os_hash_value");
  i.is_protected = o.at("protected").as_bool();
  for (auto& kv : o.at("properties").as_object())
    i.properties[std::string{kv.key()}] = std::string{kv.value().as_string()};
  i.created_at = text("created_at");
  i.updated_at = text("updated_at");
  return i;
}

struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

// Hashes one configured file into its record.
void describe(image& img) {
  fd_guard in{::open(img.file.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0)
    io_failure("show", "cannot read " + img.file);
  auto d = copy_and_hash(in.fd, -1, "show");
  img.size = d.bytes;
  img.checksum = d.md5;
  img.os_hash_algo = "sha512";
  img.os_hash_value = d.sha512;
}

} // namespace

file_digest copy_and_hash(int in, int out, const char* call) {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> sha{EVP_MD_CTX_new(),
                                                         EVP_MD_CTX_free};
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> md5{EVP_MD_CTX_new(),
                                                         EVP_MD_CTX_free};
  EVP_DigestInit_ex(sha.get(), EVP_sha512(), nullptr);
  EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr);
  file_digest d;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    auto n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      io_failure(call, "read failed");
    if (n == 0)
      break;
    EVP_DigestUpdate(sha.get(), buf.data(), static_cast<size_t>(n));
    EVP_DigestUpdate(md5.get(), buf.data(), static_cast<size_t>(n));
    d.bytes += n;
    for (ssize_t done = 0; out >= 0 && done < n;) {
      auto w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        io_failure(call, "write failed");
      done += w;
    }
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(sha.get(), md, &len);
  d.sha512 = hex_of(md, len);
  EVP_DigestFinal_ex(md5.get(), md, &len);
  d.md5 = hex_of(md, len);
  return d;
}

bool image_available(const image_auth& auth, const image& img) {
  if (auth.is_admin || img.visibility == "public"
      || img.visibility == "community")
    return true;
  if (!auth.project_id.empty() && img.owner == auth.project_id)
    return true;
  auto prop = [&](const char* key, const std::string& want) {
    auto i = img.properties.find(key);
    return !want.empty() && i != img.properties.end() && i->second == want;
  };
  return prop("owner_id", auth.project_id) || prop("project_id", auth.project_id)
         || prop("user_id", auth.user_id);
}

catalog_image_service::catalog_image_service(std::vector<image> configured,
                                             std::string snapshot_dir,
                                             std::string public_url)
  : snapshot_dir_(std::move(snapshot_dir)), public_url_(std::move(public_url)) {
  auto started = now_iso();
  for (auto& img : configured) {
    if (!img.file.empty() && !fs::exists(img.file)
        && (img.disk_format == "qcow2" || img.disk_format == "raw")) {
      if (create_blank(img.file, img.disk_format))
        log::warning(log_name, "image ", img.id, ": ", img.file,
                     " did not exist; created a blank 64 MiB ",
                     img.disk_format, " disk");
      else
        log::error(log_name, "image ", img.id, ": cannot create ", img.file,
                   " with qemu-img");
    }
    if (!img.file.empty() && fs::exists(img.file))
      describe(img);
    else
      img.status = "queued"; // no data: "Image ... is not active."
    if (img.created_at.empty())
      img.created_at = img.updated_at = started;
    images_[img.id] = entry{img, true};
  }
  std::error_code ec;
  fs::create_directories(snapshot_dir_, ec);
  for (auto& f : fs::directory_iterator(snapshot_dir_, ec))
    if (f.path().extension() == ".json")
      reload(f.path().stem().string());
}

std::string catalog_image_service::record_file(const std::string& id) const {
  return snapshot_dir_ + "/" + id + ".json";
}

bool catalog_image_service::reload(const std::string& id) {
  auto path = record_file(id);
  std::ifstream in{path};
  if (!in)
    return false;
  std::stringstream text;
  text << in.rdbuf();
  try {
    auto rec = from_json(json::parse(text.str()).as_object());
    // An upload cut short by a stop never became active.
    if (rec.status == "saving")
      rec.status = "queued";
    // The data of an active snapshot, for drivers that boot from a file.
    if (rec.status == "active")
      rec.file = data_file(rec.id);
    images_[id] = entry{std::move(rec), false};
    return true;
  } catch (const std::exception& e) {
    log::error(log_name, "ignoring ", path, ": ", e.what());
    return false;
  }
}

catalog_image_service::entry&
catalog_image_service::visible(const image_auth& auth, const std::string& id,
                               const char* call) {
  auto i = images_.find(id);
  // A snapshot's record on disk is the truth: another process sharing the
  // directory (a controller and its compute processes) may have made,
  // changed or deleted it. Read again (a small file), unless this process
  // is uploading it.
  if ((i == images_.end() || !i->second.configured)
      && (i == images_.end() || i->second.record.status != "saving")) {
    if (!reload(id) && i != images_.end())
      images_.erase(i);
    i = images_.find(id);
  }
  if (i == images_.end() || !image_available(auth, i->second.record))
    throw image_error(image_errc::not_found, call,
                      "No image found with ID " + id, 404);
  return i->second;
}

image catalog_image_service::show(const image_auth& auth,
                                  const std::string& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  return visible(auth, id, "show").record;
}

std::vector<image> catalog_image_service::list(const image_auth& auth,
                                               const list_query& q) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<image> out;
  for (auto& kv : images_) {
    auto& r = kv.second.record;
    if (!image_available(auth, r) || (!q.name.empty() && r.name != q.name)
        || (!q.status.empty() && r.status != q.status)
        || (!q.visibility.empty() && r.visibility != q.visibility))
      continue;
    out.push_back(r);
  }
  // Glance's default order: newest first (created_at desc), then id desc.
  std::sort(out.begin(), out.end(), [](const image& x, const image& y) {
    return x.created_at != y.created_at ? x.created_at > y.created_at
                                        : x.id > y.id;
  });
  if (q.limit != 0 && out.size() > q.limit)
    out.resize(q.limit);
  return out;
}

std::string catalog_image_service::data_file(const std::string& id) const {
  return snapshot_dir_ + "/" + id;
}

void catalog_image_service::save(const image& record) {
  auto path = record_file(record.id);
  {
    std::ofstream out{path + ".tmp", std::ios::trunc};
    out << json::serialize(to_json(record));
    if (!out.flush())
      io_failure("update", "cannot write " + path);
  }
  fs::rename(path + ".tmp", path);
}

download_result catalog_image_service::download(const image_auth& auth,
                                                const image& img, int fd) {
  std::string file;
  image record;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& e = visible(auth, img.id, "download");
    record = e.record;
    file = e.configured ? record.file : data_file(record.id);
  }
  if (record.status != "active")
    throw image_error(image_errc::no_data, "download",
                      "Image " + img.id + " has no associated data", 204);
  auto started = std::chrono::steady_clock::now();
  fd_guard in{::open(file.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0)
    io_failure("download", "cannot read " + file);
  auto d = copy_and_hash(in.fd, fd, "download");
  download_result out;
  out.bytes = d.bytes;
  out.algo = "sha512";
  out.hex = d.sha512;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                              - started)
                  .count();
  if (out.hex != record.os_hash_value)
    throw image_error(image_errc::checksum_mismatch, "download",
                      "Corrupt image download. Hash was " + out.hex
                        + " expected " + record.os_hash_value);
  return out;
}

image catalog_image_service::create(const image_auth& auth,
                                    const image_create& req) {
  image rec;
  rec.id = make_uuid();
  rec.name = req.name;
  rec.status = "queued";
  rec.visibility = req.visibility;
  rec.disk_format = req.disk_format;
  rec.container_format = req.container_format;
  rec.owner = auth.project_id;
  rec.min_ram_mb = req.min_ram_mb;
  rec.min_disk_gb = req.min_disk_gb;
  rec.properties = req.properties;
  rec.created_at = rec.updated_at = now_iso();
  std::lock_guard<std::mutex> guard{mtx_};
  images_[rec.id] = entry{rec, false};
  save(rec);
  return rec;
}

image catalog_image_service::update(const image_auth& auth,
                                    const std::string& id,
                                    const image_update& req) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& e = visible(auth, id, "update");
  if (e.configured)
    throw image_error(image_errc::not_authorized, "update",
                      "Image " + id + " is part of vmforge's configuration",
                      403);
  auto& r = e.record;
  if ((req.disk_format || req.container_format) && r.status != "queued")
    throw image_error(image_errc::conflict, "update",
                      "Attribute disk_format can be only replaced for a "
                      "queued image.",
                      403);
  if (req.disk_format)
    r.disk_format = *req.disk_format;
  if (req.container_format)
    r.container_format = *req.container_format;
  for (auto& kv : req.properties)
    r.properties[kv.first] = kv.second;
  r.updated_at = now_iso();
  save(r);
  return r;
}

void catalog_image_service::upload(const image_auth& auth,
                                   const std::string& id, int fd,
                                   int64_t size) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& e = visible(auth, id, "upload");
    if (e.configured || e.record.status != "queued")
      throw image_error(image_errc::conflict, "upload",
                        "Image status transition from " + e.record.status
                          + " to saving is not allowed",
                        409);
    e.record.status = "saving";
  }
  auto part = data_file(id) + ".part";
  auto fail = [&](image_errc code, const std::string& why) {
    ::unlink(part.c_str());
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto i = images_.find(id); i != images_.end())
      i->second.record.status = "queued";
    throw image_error(code, "upload", why);
  };
  file_digest d;
  {
    fd_guard out{::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        0644)};
    if (out.fd < 0)
      fail(image_errc::io_error, "cannot write " + part);
    try {
      d = copy_and_hash(fd, out.fd, "upload");
    } catch (const image_error& e) {
      fail(e.code(), e.what());
    }
    if (::fsync(out.fd) != 0)
      fail(image_errc::io_error, "cannot sync " + part);
  }
  if (size >= 0 && d.bytes != size)
    fail(image_errc::short_read, "upload of " + id + ": "
                                   + std::to_string(d.bytes) + " bytes of "
                                   + std::to_string(size));
  fs::rename(part, data_file(id));
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = images_.find(id);
  if (i == images_.end()) { // removed meanwhile
    ::unlink(data_file(id).c_str());
    throw image_error(image_errc::not_found, "upload",
                      "No image found with ID " + id, 404);
  }
  auto& r = i->second.record;
  r.status = "active";
  r.file = data_file(id);
  r.size = d.bytes;
  r.checksum = d.md5;
  r.os_hash_algo = "sha512";
  r.os_hash_value = d.sha512;
  r.updated_at = now_iso();
  save(r);
}

void catalog_image_service::remove(const image_auth& auth,
                                   const std::string& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& e = visible(auth, id, "delete");
  if (e.configured || e.record.is_protected)
    throw image_error(image_errc::not_authorized, "delete",
                      "Image " + id + " is protected and cannot be deleted.",
                      403);
  ::unlink(data_file(id).c_str());
  ::unlink(record_file(id).c_str());
  images_.erase(id);
}

std::string catalog_image_service::image_url(const std::string& id) const {
  return public_url_ + "/images/" + id;
}

} // namespace vmforge::images
