#include <catch2/catch.hpp>

#include "drivers/libvirt/xml.hpp"

using namespace vmforge;

TEST_CASE("xml: escaped text, start tags, elements and attributes",
          "[libvirt][xml]") {
  CHECK(xml::escape("a<&>'\"b") == "a&lt;&amp;&gt;&apos;&quot;b");
  std::string doc = "<a><hostdev/><host mac='m1' name=\"n&amp;1\"/>"
                    "<host mac='m2'></host><hosts x='1'/></a>";
  auto tags = xml::start_tags(doc, "host");
  REQUIRE(tags.size() == 2); // neither <hostdev> nor <hosts>
  CHECK(xml::attribute(tags[0], "mac") == "m1");
  CHECK(xml::attribute(tags[0], "name") == "n&1");
  CHECK(xml::attribute(tags[0], "ip").empty());
  CHECK(xml::attribute(tags[1], "mac") == "m2");
  auto els = xml::elements(doc, "host");
  REQUIRE(els.size() == 2);
  CHECK(els[0] == "<host mac='m1' name=\"n&amp;1\"/>");
  CHECK(els[1] == "<host mac='m2'></host>");
  // An attribute whose name ends another's is not it.
  CHECK(xml::attribute("<ip xaddress='1' address='2'/>", "address") == "2");
}
