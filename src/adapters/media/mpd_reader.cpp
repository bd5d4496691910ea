// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/mpd_reader.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <charconv>
#include <memory>
#include <optional>
#include <string_view>

#include "core/output_naming.hpp"

namespace ve::adapters::media {
namespace {

struct DocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

bool is(const xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

std::optional<std::string> attr(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return std::nullopt;
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

std::optional<int64_t> int_attr(const xmlNode* n, const char* name) {
  const auto s = attr(n, name);
  if (!s) return std::nullopt;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || end != s->data() + s->size()) return std::nullopt;
  return v;
}

const xmlNode* child(const xmlNode* n, const char* name) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (is(c, name)) return c;
  }
  return nullptr;
}

core::Error bad(const std::string& what) { return core::Error::invalid_input("manifest: " + what); }

core::Result<ManifestRepresentation> read_representation(const std::filesystem::path& dir, const xmlNode* set,
                                                         const xmlNode* rep) {
  ManifestRepresentation r;
  r.id = attr(rep, "id").value_or("");
  r.content_type = attr(set, "contentType").value_or("");
  r.codecs = attr(rep, "codecs").value_or("");
  if (r.id.empty()) return core::fail(bad("Representation without id"));
  const xmlNode* tmpl = child(rep, "SegmentTemplate");
  if (!tmpl) tmpl = child(set, "SegmentTemplate");
  if (!tmpl) return core::fail(bad("representation " + r.id + " has no SegmentTemplate"));
  const auto timescale = int_attr(tmpl, "timescale");
  if (!timescale || *timescale <= 0) return core::fail(bad("representation " + r.id + " has no timescale"));
  r.timescale = static_cast<uint32_t>(*timescale);
  r.presentation_time_offset = int_attr(tmpl, "presentationTimeOffset").value_or(0);
  const auto init = attr(tmpl, "initialization");
  const auto media = attr(tmpl, "media");
  if (!init || !media) return core::fail(bad("representation " + r.id + " lacks initialization or media"));
  auto init_name = core::expand_template(*init, r.id, 0);
  if (!init_name) return core::fail(init_name.error());
  r.init_segment = dir / *init_name;
  const xmlNode* timeline = child(tmpl, "SegmentTimeline");
  if (!timeline) return core::fail(bad("representation " + r.id + " has no SegmentTimeline"));
  uint64_t number = static_cast<uint64_t>(int_attr(tmpl, "startNumber").value_or(1));
  int64_t time = 0;
  for (const xmlNode* s = timeline->children; s; s = s->next) {
    if (!is(s, "S")) continue;
    const auto d = int_attr(s, "d");
    if (!d || *d <= 0) return core::fail(bad("S element without a positive d in " + r.id));
    time = int_attr(s, "t").value_or(time);
    const int64_t repeat = int_attr(s, "r").value_or(0);
    if (repeat < 0) return core::fail(bad("negative repeat count is not supported in a static manifest"));
    for (int64_t k = 0; k <= repeat; ++k) {
      auto name = core::expand_template(*media, r.id, number++);
      if (!name) return core::fail(name.error());
      r.media_segments.push_back(dir / *name);
      r.segment_times.push_back(time);
      time += *d;
    }
  }
  if (r.media_segments.empty()) return core::fail(bad("representation " + r.id + " has no segments"));
  return r;
}

}  // namespace

core::Result<std::vector<ManifestRepresentation>> read_manifest(const std::filesystem::path& mpd) {
  std::unique_ptr<xmlDoc, DocDeleter> doc(
      xmlReadFile(mpd.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) return core::fail(bad("cannot parse " + mpd.string()));
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || !is(root, "MPD")) return core::fail(bad(mpd.string() + " has no MPD root element"));
  std::vector<ManifestRepresentation> out;
  const std::filesystem::path dir = mpd.parent_path();
  for (const xmlNode* period = root->children; period; period = period->next) {
    if (!is(period, "Period")) continue;
    for (const xmlNode* set = period->children; set; set = set->next) {
      if (!is(set, "AdaptationSet")) continue;
      if (attr(set, "contentType") == "text") continue;  // whole WebVTT files, not segmented media
      for (const xmlNode* rep = set->children; rep; rep = rep->next) {
        if (!is(rep, "Representation")) continue;
        auto r = read_representation(dir, set, rep);
        if (!r) return core::fail(r.error());
        out.push_back(std::move(*r));
      }
    }
  }
  if (out.empty()) return core::fail(bad(mpd.string() + " lists no representations"));
  return out;
}

}  // namespace ve::adapters::media
