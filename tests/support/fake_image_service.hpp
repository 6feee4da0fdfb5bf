#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include <unistd.h>

#include "images/image_service.hpp"
#include "util/digest.hpp"
#include "util/uuid.hpp"

// An image service in memory for tests of the actors that use one: images
// with their bytes, every call counted, failures injected on demand, and
// downloads that can be held until a test releases them.
namespace vmforge::test {

class fake_image_service : public images::image_service {
public:
  /// Adds an active image whose data is `bytes`.
  image add(image img, std::string bytes = "QFI\xfb fake image data") {
    std::lock_guard<std::mutex> guard{mtx_};
    img.size = static_cast<int64_t>(bytes.size());
    img.checksum = hex_digest(bytes, "MD5");
    img.os_hash_algo = "sha512";
    img.os_hash_value = hex_digest(bytes, "SHA512");
    data_[img.id] = std::move(bytes);
    images_[img.id] = img;
    return img;
  }

  /// The next `n` downloads throw `code` (checksum_mismatch: they write
  /// the data first, as a corrupted Glance file does).
  void fail_downloads(images::image_errc code, int n = 1) {
    std::lock_guard<std::mutex> guard{mtx_};
    fail_code_ = code;
    fail_left_ = n;
  }

  /// Downloads wait until release() (or hold(false)).
  void hold(bool on = true) {
    std::lock_guard<std::mutex> guard{mtx_};
    held_ = on;
    cv_.notify_all();
  }

  int downloads(const std::string& id) const {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = download_count_.find(id);
    return i == download_count_.end() ? 0 : i->second;
  }

  int calls(const std::string& call) const {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = call_count_.find(call);
    return i == call_count_.end() ? 0 : i->second;
  }

  /// The bytes uploaded as (or added for) `id`.
  std::string data(const std::string& id) const {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = data_.find(id);
    return i == data_.end() ? std::string{} : i->second;
  }

  image show(const image_auth&, const std::string& id) override {
    std::lock_guard<std::mutex> guard{mtx_};
    ++call_count_["show"];
    return find(id, "show");
  }

  std::vector<image> list(const image_auth&,
                          const images::list_query& q) override {
    std::lock_guard<std::mutex> guard{mtx_};
    ++call_count_["list"];
    std::vector<image> out;
    for (auto& kv : images_)
      if (q.name.empty() || kv.second.name == q.name)
        out.push_back(kv.second);
    return out;
  }

  images::download_result download(const image_auth&, const image& img,
                                   int fd) override {
    std::unique_lock<std::mutex> guard{mtx_};
    ++call_count_["download"];
    ++download_count_[img.id];
    cv_.wait(guard, [this] { return !held_; });
    auto rec = find(img.id, "download");
    auto bytes = data_[img.id];
    if (fail_left_ > 0) {
      --fail_left_;
      if (fail_code_ != images::image_errc::checksum_mismatch)
        throw images::image_error(fail_code_, "download", "injected failure");
      bytes += "corrupted";
    }
    guard.unlock();
    if (::write(fd, bytes.data(), bytes.size())
        != static_cast<ssize_t>(bytes.size()))
      throw images::image_error(images::image_errc::io_error, "download",
                                "write failed");
    images::download_result out;
    out.bytes = static_cast<int64_t>(bytes.size());
    out.algo = "sha512";
    out.hex = hex_digest(bytes, "SHA512");
    if (out.hex != rec.os_hash_value)
      throw images::image_error(images::image_errc::checksum_mismatch,
                                "download", "Corrupt image download.");
    return out;
  }

  image create(const image_auth& auth,
               const images::image_create& req) override {
    std::lock_guard<std::mutex> guard{mtx_};
    ++call_count_["create"];
    image img;
    img.id = make_uuid();
    img.name = req.name;
    img.status = "queued";
    img.visibility = req.visibility;
    img.disk_format = req.disk_format;
    img.container_format = req.container_format;
    img.owner = auth.project_id;
    img.properties = req.properties;
    images_[img.id] = img;
    return img;
  }

  image update(const image_auth&, const std::string& id,
               const images::image_update& req) override {
    std::lock_guard<std::mutex> guard{mtx_};
    ++call_count_["update"];
    auto& img = images_.at(find(id, "update").id);
    if (req.disk_format)
      img.disk_format = *req.disk_format;
    if (req.container_format)
      img.container_format = *req.container_format;
    for (auto& kv : req.properties)
      img.properties[kv.first] = kv.second;
    return img;
  }

  void upload(const image_auth&, const std::string& id, int fd,
              int64_t) override {
    std::string bytes;
    char buf[65536];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
      bytes.append(buf, static_cast<size_t>(n));
    std::lock_guard<std::mutex> guard{mtx_};
    ++call_count_["upload"];
    auto img = find(id, "upload");
    img.status = "active";
    img.size = static_cast<int64_t>(bytes.size());
    img.os_hash_algo = "sha512";
    img.os_hash_value = hex_digest(bytes, "SHA512");
    img.checksum = hex_digest(bytes, "MD5");
    images_[id] = img;
    data_[id] = std::move(bytes);
  }

  void remove(const image_auth&, const std::string& id) override {
    std::lock_guard<std::mutex> guard{mtx_};
    ++call_count_["delete"];
    find(id, "delete");
    images_.erase(id);
    data_.erase(id);
  }

  std::string image_url(const std::string& id) const override {
    return "http://fake-image-service/v2/images/" + id;
  }

private:
  image find(const std::string& id, const char* call) const {
    auto i = images_.find(id);
    if (i == images_.end())
      throw images::image_error(images::image_errc::not_found, call,
                                "No image found with ID " + id, 404);
    return i->second;
  }

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  bool held_ = false;
  images::image_errc fail_code_ = images::image_errc::http_error;
  int fail_left_ = 0;
  std::map<std::string, image> images_;
  std::map<std::string, std::string> data_;
  std::map<std::string, int> download_count_;
  std::map<std::string, int> call_count_;
};

} // namespace vmforge::test
