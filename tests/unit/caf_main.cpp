// The main of the actor protocol tests: CAF's own test runner, which the
// deterministic test coordinator (caf/test/dsl.hpp) reports to.
#include <caf/test/unit_test_impl.hpp>
