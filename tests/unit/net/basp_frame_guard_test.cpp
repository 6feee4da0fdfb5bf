#include "net/basp_frame_guard.hpp"

#include <string>

#include <catch2/catch.hpp>

using vmforge::net::basp_frame_guard;

namespace {

/// A BASP header as CAF 0.17 writes it: payload_len big-endian at 4..7,
/// the other fields set so that they would be refused as lengths.
std::string header(uint32_t payload_len) {
  std::string h(basp_frame_guard::header_size, '\xff');
  h[0] = 0x01; // operation
  for (int i = 0; i < 4; ++i)
    h[4 + i] = static_cast<char>(payload_len >> (24 - 8 * i));
  return h;
}

bool consume(basp_frame_guard& g, const std::string& bytes) {
  return g.consume(reinterpret_cast<const unsigned char*>(bytes.data()),
                   bytes.size());
}

} // namespace

TEST_CASE("basp_frame_guard passes frames up to the cap", "[net]") {
  basp_frame_guard g(100);
  CHECK(consume(g, header(4) + "ping" + header(0) + header(100)
                     + std::string(100, 'x')));
  CHECK(consume(g, header(0)));
  CHECK(g.refused_length() == 0);
}

TEST_CASE("basp_frame_guard skips payloads that look like headers",
          "[net]") {
  basp_frame_guard g(64);
  // The payload is all 0xff: read as a header it would announce 4 GiB.
  CHECK(consume(g, header(64) + std::string(64, '\xff') + header(1) + "x"));
}

TEST_CASE("basp_frame_guard follows headers split across reads", "[net]") {
  basp_frame_guard g(16);
  auto stream = header(3) + "abc" + header(16) + std::string(16, 'y')
                + header(17);
  // The refused length is known at the 8th byte of the last header.
  auto refused_at = stream.size() - basp_frame_guard::header_size + 7;
  for (size_t i = 0; i < stream.size(); ++i) {
    INFO("byte " << i);
    CHECK(consume(g, stream.substr(i, 1)) == (i < refused_at));
  }
  CHECK(g.refused_length() == 17);
}

TEST_CASE("basp_frame_guard refuses a huge payload_len in one read",
          "[net]") {
  basp_frame_guard g(16 * 1024 * 1024);
  CHECK_FALSE(consume(g, header(0) + header(0xFFFFFFF0u)));
  CHECK(g.refused_length() == 0xFFFFFFF0u);
  // Once refused, the stream stays refused.
  CHECK_FALSE(consume(g, header(0)));
}
