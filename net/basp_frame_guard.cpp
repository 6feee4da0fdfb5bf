#include "net/basp_frame_guard.hpp"

#include <algorithm>

namespace vmforge::net {

basp_frame_guard::basp_frame_guard(uint32_t max_payload)
  : max_payload_(max_payload) {
  // nop
}

bool basp_frame_guard::consume(const unsigned char* data, size_t size) {
  while (size > 0 && !failed_) {
    if (payload_left_ > 0) {
      auto n = static_cast<size_t>(
        std::min<uint64_t>(payload_left_, size));
      payload_left_ -= n;
      data += n;
      size -= n;
      continue;
    }
    if (header_seen_ >= length_offset
        && header_seen_ < length_offset + sizeof(uint32_t))
      length_ = (length_ << 8) | *data;
    ++header_seen_;
    ++data;
    --size;
    // Refused as soon as the length is known: the rest of the header never
    // reaches CAF.
    if (header_seen_ == length_offset + sizeof(uint32_t)
        && length_ > max_payload_) {
      refused_ = length_;
      failed_ = true;
    } else if (header_seen_ == header_size) {
      header_seen_ = 0;
      payload_left_ = length_;
      length_ = 0;
    }
  }
  return !failed_;
}

} // namespace vmforge::net
