#pragma once

#include <cstddef>
#include <cstdint>

// Follows the framing of a CAF 0.17 BASP byte stream and refuses a frame
// whose announced payload is larger than a cap: CAF allocates (and
// zero-fills) the payload_len a header announces before reading it, so a
// single 32-byte header can make it allocate 4 GiB.
//
// The header, as caf/io/basp/header.hpp (0.17.6) serializes it with
// binary_serializer (integers in network byte order): operation (1 byte),
// two padding bytes, flags (1), payload_len (4), operation_data (8),
// source_actor (8), dest_actor (8). The payload_len bytes of payload follow.
// A connection is headers from its first byte (the handshakes are frames).
namespace vmforge::net {

class basp_frame_guard {
public:
  static constexpr size_t header_size = 32;

  explicit basp_frame_guard(uint32_t max_payload);

  /// Follows the next `size` bytes of the stream; false once a header
  /// announced more than max_payload, and on every call after that.
  bool consume(const unsigned char* data, size_t size);

  /// The payload_len of the refused header (0 while none was).
  uint32_t refused_length() const {
    return refused_;
  }

private:
  static constexpr size_t length_offset = 4;

  uint32_t max_payload_;
  /// Bytes of the current header seen so far.
  size_t header_seen_ = 0;
  uint32_t length_ = 0;
  /// Payload bytes of the current frame still to pass.
  uint64_t payload_left_ = 0;
  uint32_t refused_ = 0;
  bool failed_ = false;
};

} // namespace vmforge::net
