#include "bench/vmforge_bench/latency.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

using vmforge::bench::latency;
using std::chrono::microseconds;

TEST_CASE("bench latency: nearest-rank percentiles of every sample", "[bench]") {
  latency l;
  CHECK(l.percentile_ms(0.99) == 0);
  // 1..1000 us in a shuffled order: percentiles must not depend on it.
  for (int i = 0; i < 1000; ++i)
    l.add(microseconds{(i * 367) % 1000 + 1});
  CHECK(l.count() == 1000);
  CHECK(l.percentile_ms(0.50) == Approx(0.500));
  CHECK(l.percentile_ms(0.90) == Approx(0.900));
  CHECK(l.percentile_ms(0.99) == Approx(0.990));
  CHECK(l.percentile_ms(1.0) == Approx(1.000));
  CHECK(l.max_ms() == Approx(1.000));
  CHECK(l.mean_ms() == Approx(0.5005));
  auto sorted = l.sorted_ms();
  CHECK(sorted.front() == Approx(0.001));
  CHECK(std::is_sorted(sorted.begin(), sorted.end()));
  // One slow sample among 100 is the p99 of 100, not of 101.
  latency tail;
  for (int i = 0; i < 99; ++i)
    tail.add(microseconds{1000});
  tail.add(microseconds{50000});
  CHECK(tail.percentile_ms(0.99) == Approx(1.0));
  CHECK(tail.percentile_ms(0.999) == Approx(50.0));
}
