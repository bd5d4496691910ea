// SPDX-License-Identifier: Apache-2.0
#include "core/language_tag.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace ve::core {
namespace {

// One ISO 639-1 language: its ISO 639-2/T code, its ISO 639-1 code and its English name.
struct Language {
  std::string_view t;
  std::string_view alpha2;
  std::string_view name;
};

// All ISO 639-1 languages, sorted by ISO 639-2/T code for binary search.
constexpr std::array kLanguages = std::to_array<Language>({
    {"aar", "aa", "Afar"}, {"abk", "ab", "Abkhazian"}, {"afr", "af", "Afrikaans"}, {"aka", "ak", "Akan"},
    {"amh", "am", "Amharic"}, {"ara", "ar", "Arabic"}, {"arg", "an", "Aragonese"}, {"asm", "as", "Assamese"},
    {"ava", "av", "Avaric"}, {"ave", "ae", "Avestan"}, {"aym", "ay", "Aymara"}, {"aze", "az", "Azerbaijani"},
    {"bak", "ba", "Bashkir"}, {"bam", "bm", "Bambara"}, {"bel", "be", "Belarusian"}, {"ben", "bn", "Bengali"},
    {"bih", "bh", "Bihari languages"}, {"bis", "bi", "Bislama"}, {"bod", "bo", "Tibetan"}, {"bos", "bs", "Bosnian"},
    {"bre", "br", "Breton"}, {"bul", "bg", "Bulgarian"}, {"cat", "ca", "Catalan"}, {"ces", "cs", "Czech"},
    {"cha", "ch", "Chamorro"}, {"che", "ce", "Chechen"}, {"chu", "cu", "Church Slavic"}, {"chv", "cv", "Chuvash"},
    {"cor", "kw", "Cornish"}, {"cos", "co", "Corsican"}, {"cre", "cr", "Cree"}, {"cym", "cy", "Welsh"},
    {"dan", "da", "Danish"}, {"deu", "de", "German"}, {"div", "dv", "Divehi"}, {"dzo", "dz", "Dzongkha"},
    {"ell", "el", "Greek"}, {"eng", "en", "English"}, {"epo", "eo", "Esperanto"}, {"est", "et", "Estonian"},
    {"eus", "eu", "Basque"}, {"ewe", "ee", "Ewe"}, {"fao", "fo", "Faroese"}, {"fas", "fa", "Persian"},
    {"fij", "fj", "Fijian"}, {"fin", "fi", "Finnish"}, {"fra", "fr", "French"}, {"fry", "fy", "Western Frisian"},
    {"ful", "ff", "Fulah"}, {"gla", "gd", "Scottish Gaelic"}, {"gle", "ga", "Irish"}, {"glg", "gl", "Galician"},
    {"glv", "gv", "Manx"}, {"grn", "gn", "Guarani"}, {"guj", "gu", "Gujarati"}, {"hat", "ht", "Haitian Creole"},
    {"hau", "ha", "Hausa"}, {"heb", "he", "Hebrew"}, {"her", "hz", "Herero"}, {"hin", "hi", "Hindi"},
    {"hmo", "ho", "Hiri Motu"}, {"hrv", "hr", "Croatian"}, {"hun", "hu", "Hungarian"}, {"hye", "hy", "Armenian"},
    {"ibo", "ig", "Igbo"}, {"ido", "io", "Ido"}, {"iii", "ii", "Sichuan Yi"}, {"iku", "iu", "Inuktitut"},
    {"ile", "ie", "Interlingue"}, {"ina", "ia", "Interlingua"}, {"ind", "id", "Indonesian"}, {"ipk", "ik", "Inupiaq"},
    {"isl", "is", "Icelandic"}, {"ita", "it", "Italian"}, {"jav", "jv", "Javanese"}, {"jpn", "ja", "Japanese"},
    {"kal", "kl", "Kalaallisut"}, {"kan", "kn", "Kannada"}, {"kas", "ks", "Kashmiri"}, {"kat", "ka", "Georgian"},
    {"kau", "kr", "Kanuri"}, {"kaz", "kk", "Kazakh"}, {"khm", "km", "Khmer"}, {"kik", "ki", "Kikuyu"},
    {"kin", "rw", "Kinyarwanda"}, {"kir", "ky", "Kyrgyz"}, {"kom", "kv", "Komi"}, {"kon", "kg", "Kongo"},
    {"kor", "ko", "Korean"}, {"kua", "kj", "Kuanyama"}, {"kur", "ku", "Kurdish"}, {"lao", "lo", "Lao"},
    {"lat", "la", "Latin"}, {"lav", "lv", "Latvian"}, {"lim", "li", "Limburgish"}, {"lin", "ln", "Lingala"},
    {"lit", "lt", "Lithuanian"}, {"ltz", "lb", "Luxembourgish"}, {"lub", "lu", "Luba-Katanga"}, {"lug", "lg", "Ganda"},
    {"mah", "mh", "Marshallese"}, {"mal", "ml", "Malayalam"}, {"mar", "mr", "Marathi"}, {"mkd", "mk", "Macedonian"},
    {"mlg", "mg", "Malagasy"}, {"mlt", "mt", "Maltese"}, {"mon", "mn", "Mongolian"}, {"mri", "mi", "Maori"},
    {"msa", "ms", "Malay"}, {"mya", "my", "Burmese"}, {"nau", "na", "Nauru"}, {"nav", "nv", "Navajo"},
    {"nbl", "nr", "South Ndebele"}, {"nde", "nd", "North Ndebele"}, {"ndo", "ng", "Ndonga"}, {"nep", "ne", "Nepali"},
    {"nld", "nl", "Dutch"}, {"nno", "nn", "Norwegian Nynorsk"}, {"nob", "nb", "Norwegian Bokmål"},
    {"nor", "no", "Norwegian"}, {"nya", "ny", "Chichewa"}, {"oci", "oc", "Occitan"}, {"oji", "oj", "Ojibwa"},
    {"ori", "or", "Oriya"}, {"orm", "om", "Oromo"}, {"oss", "os", "Ossetian"}, {"pan", "pa", "Punjabi"},
    {"pli", "pi", "Pali"}, {"pol", "pl", "Polish"}, {"por", "pt", "Portuguese"}, {"pus", "ps", "Pashto"},
    {"que", "qu", "Quechua"}, {"roh", "rm", "Romansh"}, {"ron", "ro", "Romanian"}, {"run", "rn", "Rundi"},
    {"rus", "ru", "Russian"}, {"sag", "sg", "Sango"}, {"san", "sa", "Sanskrit"}, {"sin", "si", "Sinhala"},
    {"slk", "sk", "Slovak"}, {"slv", "sl", "Slovenian"}, {"sme", "se", "Northern Sami"}, {"smo", "sm", "Samoan"},
    {"sna", "sn", "Shona"}, {"snd", "sd", "Sindhi"}, {"som", "so", "Somali"}, {"sot", "st", "Southern Sotho"},
    {"spa", "es", "Spanish"}, {"sqi", "sq", "Albanian"}, {"srd", "sc", "Sardinian"}, {"srp", "sr", "Serbian"},
    {"ssw", "ss", "Swati"}, {"sun", "su", "Sundanese"}, {"swa", "sw", "Swahili"}, {"swe", "sv", "Swedish"},
    {"tah", "ty", "Tahitian"}, {"tam", "ta", "Tamil"}, {"tat", "tt", "Tatar"}, {"tel", "te", "Telugu"},
    {"tgk", "tg", "Tajik"}, {"tgl", "tl", "Tagalog"}, {"tha", "th", "Thai"}, {"tir", "ti", "Tigrinya"},
    {"ton", "to", "Tongan"}, {"tsn", "tn", "Tswana"}, {"tso", "ts", "Tsonga"}, {"tuk", "tk", "Turkmen"},
    {"tur", "tr", "Turkish"}, {"twi", "tw", "Twi"}, {"uig", "ug", "Uyghur"}, {"ukr", "uk", "Ukrainian"},
    {"urd", "ur", "Urdu"}, {"uzb", "uz", "Uzbek"}, {"ven", "ve", "Venda"}, {"vie", "vi", "Vietnamese"},
    {"vol", "vo", "Volapük"}, {"wln", "wa", "Walloon"}, {"wol", "wo", "Wolof"}, {"xho", "xh", "Xhosa"},
    {"yid", "yi", "Yiddish"}, {"yor", "yo", "Yoruba"}, {"zha", "za", "Zhuang"}, {"zho", "zh", "Chinese"},
    {"zul", "zu", "Zulu"},
});

// ISO 639-2/B codes (bibliographic) that differ from the T code (terminology), sorted by B code.
struct Alias {
  std::string_view b;
  std::string_view t;
};
constexpr std::array kBibliographic = std::to_array<Alias>({
    {"alb", "sqi"}, {"arm", "hye"}, {"baq", "eus"}, {"bur", "mya"}, {"chi", "zho"}, {"cze", "ces"}, {"dut", "nld"},
    {"fre", "fra"}, {"geo", "kat"}, {"ger", "deu"}, {"gre", "ell"}, {"ice", "isl"}, {"mac", "mkd"}, {"mao", "mri"},
    {"may", "msa"}, {"per", "fas"}, {"rum", "ron"}, {"slo", "slk"}, {"tib", "bod"}, {"wel", "cym"},
});

static_assert(std::ranges::is_sorted(kLanguages, {}, &Language::t));
static_assert(std::ranges::is_sorted(kBibliographic, {}, &Alias::b));

// The code in lower case when it is 2 or 3 ASCII letters, else nullopt.
std::optional<std::string> normalized(std::string_view code) {
  if (code.size() != 2 && code.size() != 3) return std::nullopt;
  std::string out;
  for (const char c : code) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (c >= 'a' && c <= 'z') {
      out += c;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

const Language* find_language(std::string_view code) {
  if (code.size() == 2) {
    const auto it = std::ranges::find(kLanguages, code, &Language::alpha2);
    return it == kLanguages.end() ? nullptr : &*it;
  }
  if (const auto b = std::ranges::lower_bound(kBibliographic, code, {}, &Alias::b);
      b != kBibliographic.end() && b->b == code) {
    code = b->t;
  }
  const auto it = std::ranges::lower_bound(kLanguages, code, {}, &Language::t);
  return it != kLanguages.end() && it->t == code ? &*it : nullptr;
}

}  // namespace

std::string bcp47_language(std::string_view iso639) {
  const std::optional<std::string> code = normalized(iso639);
  if (!code) return "";
  if (const Language* language = find_language(*code)) return std::string(language->alpha2);
  // Without an ISO 639-1 code the 3-letter code is the subtag; the special codes carry no language.
  if (code->size() == 2 || *code == "und" || *code == "mis" || *code == "mul" || *code == "zxx") return "";
  return *code;
}

std::string language_name(std::string_view iso639) {
  const std::optional<std::string> code = normalized(iso639);
  const Language* language = code ? find_language(*code) : nullptr;
  return language ? std::string(language->name) : "";
}

}  // namespace ve::core
