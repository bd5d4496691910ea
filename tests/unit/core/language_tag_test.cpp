// SPDX-License-Identifier: Apache-2.0
#include "core/language_tag.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

TEST(LanguageTag, TerminologyCodesBecomeTheShortestTag) {
  EXPECT_EQ(bcp47_language("eng"), "en");
  EXPECT_EQ(bcp47_language("fra"), "fr");
  EXPECT_EQ(bcp47_language("deu"), "de");
  EXPECT_EQ(bcp47_language("zho"), "zh");
  EXPECT_EQ(bcp47_language("jpn"), "ja");
  EXPECT_EQ(bcp47_language("spa"), "es");
  EXPECT_EQ(bcp47_language("nob"), "nb");
  EXPECT_EQ(bcp47_language("kin"), "rw");  // the 2-letter code does not always start like the 3-letter one
}

TEST(LanguageTag, BibliographicCodesMapLikeTheirTerminologyTwins) {
  const std::pair<const char*, const char*> pairs[] = {
      {"alb", "sqi"}, {"arm", "hye"}, {"baq", "eus"}, {"bur", "mya"}, {"chi", "zho"}, {"cze", "ces"}, {"dut", "nld"},
      {"fre", "fra"}, {"geo", "kat"}, {"ger", "deu"}, {"gre", "ell"}, {"ice", "isl"}, {"mac", "mkd"}, {"mao", "mri"},
      {"may", "msa"}, {"per", "fas"}, {"rum", "ron"}, {"slo", "slk"}, {"tib", "bod"}, {"wel", "cym"}};
  for (const auto& [b, t] : pairs) {
    EXPECT_EQ(bcp47_language(b).size(), 2u) << b;
    EXPECT_EQ(bcp47_language(b), bcp47_language(t)) << b;
    EXPECT_EQ(language_name(b), language_name(t)) << b;
    EXPECT_FALSE(language_name(b).empty()) << b;
  }
  EXPECT_EQ(bcp47_language("fre"), "fr");
  EXPECT_EQ(bcp47_language("ger"), "de");
  EXPECT_EQ(bcp47_language("chi"), "zh");
}

TEST(LanguageTag, ThreeLetterCodesWithoutATwoLetterOneAreKept) {
  EXPECT_EQ(bcp47_language("haw"), "haw");  // Hawaiian
  EXPECT_EQ(bcp47_language("yue"), "yue");  // Cantonese (ISO 639-3)
  EXPECT_EQ(bcp47_language("qaa"), "qaa");  // private use, valid in RFC 5646
  EXPECT_EQ(language_name("haw"), "");
}

TEST(LanguageTag, SpecialCodesCarryNoLanguage) {
  for (const char* code : {"und", "mis", "mul", "zxx", "UND"}) EXPECT_EQ(bcp47_language(code), "") << code;
}

TEST(LanguageTag, MalformedInputGivesNothing) {
  for (const char* code : {"", "e", "engl", "en-US", "e1g", "e g", "\"en", "xx", "\xc3\xa9n"}) {
    EXPECT_EQ(bcp47_language(code), "") << code;
    EXPECT_EQ(language_name(code), "") << code;
  }
}

TEST(LanguageTag, CaseInsensitiveAndTwoLetterInputAccepted) {
  EXPECT_EQ(bcp47_language("ENG"), "en");
  EXPECT_EQ(bcp47_language("Fre"), "fr");
  EXPECT_EQ(bcp47_language("en"), "en");
  EXPECT_EQ(bcp47_language("DE"), "de");
  EXPECT_EQ(bcp47_language("HAW"), "haw");
}

TEST(LanguageName, EnglishNamesOfTheLanguages) {
  EXPECT_EQ(language_name("eng"), "English");
  EXPECT_EQ(language_name("fre"), "French");
  EXPECT_EQ(language_name("fra"), "French");
  EXPECT_EQ(language_name("ger"), "German");
  EXPECT_EQ(language_name("chi"), "Chinese");
  EXPECT_EQ(language_name("en"), "English");
  EXPECT_EQ(language_name("aar"), "Afar");  // both ends of the sorted table
  EXPECT_EQ(language_name("zul"), "Zulu");
  EXPECT_EQ(language_name("nob"), "Norwegian Bokm\xc3\xa5l");
  EXPECT_EQ(language_name("und"), "");
}

TEST(LanguageTag, EveryTwoLetterCodeRoundTrips) {
  // All 184 ISO 639-1 codes: each maps to itself and has a name.
  const char* codes =
      "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el "
      "en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu "
      "ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na "
      "nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so "
      "sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";
  int count = 0;
  for (const char* c = codes; *c != '\0'; c += c[2] == ' ' ? 3 : 2) {
    const std::string code(c, 2);
    EXPECT_EQ(bcp47_language(code), code);
    EXPECT_FALSE(language_name(code).empty()) << code;
    ++count;
  }
  EXPECT_EQ(count, 184);
}

}  // namespace
}  // namespace ve::core
