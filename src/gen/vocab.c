/*
 * vocab.c - the generator's constant vocabularies: the languages and their
 * shares of accounts, a few dozen common words per language (Japanese
 * unspaced), emoji, punctuation, the syllables that make pronounceable
 * words and names, kana for Japanese names, profile locations and colours,
 * Twitter client sources, and the special tags (movements, steady tags,
 * spam, language-specific tags) with their spellings and weights.
 *
 * Every string is UTF-8; the spellings include case variants, a
 * full-width "ＭｅＴｏｏ" and a decomposed "año" so that counters must
 * fold them. The sizes are fixed in generate_int.h: a table whose
 * length changes does not compile until the header says so.
 */
#include "generate_int.h"

const char *const gs_gen_lang_code[NLANG] = {"en", "es", "fr", "de",
					     "ja", "ar", "hi", "pt"};
const double gs_gen_lang_share[NLANG] = {0.50, 0.12, 0.05, 0.04,
					 0.12, 0.06, 0.04, 0.07};

static const char *const w_en[] = {
	"the", "and", "today", "this", "is", "so", "what", "a", "we", "love",
	"people", "time", "new", "just", "really", "about", "everyone",
	"need", "see", "more", "never", "again", "story", "thank", "you",
	"proud", "heart", "world", "city", "weekend", "morning", "tonight",
	"coffee", "friends", "read", "great", "happy", "must", "here", "our",
	"all", "speak", "up", "listen", "together", "still", "stand", "with",
	"voices", "share", "it's", "don't", "can't", "finally", "amazing",
	"honestly", "believe", "enough", "week", "game", "live", "watch",
	"my", "your", "of", "to", "in", "for", "on", "not", "too", "going"};
static const char *const w_es[] = {
	"hoy", "el", "la", "que", "muy", "para", "todos", "gracias", "mañana",
	"vida", "amor", "ciudad", "buenos", "días", "está", "más", "también",
	"siempre", "corazón", "juntos", "nunca", "mujeres", "nosotras",
	"país", "fiesta", "noche", "años", "qué", "bonito", "mejor", "aquí",
	"ahora", "mundo", "fútbol", "canción", "por", "con", "una", "y"};
static const char *const w_fr[] = {
	"aujourd'hui", "le", "la", "et", "très", "merci", "été", "ça", "nous",
	"toujours", "déjà", "cœur", "ville", "soirée", "être", "c'est",
	"magnifique", "femmes", "parole", "ensemble", "demain", "où", "à",
	"bientôt", "fête", "café", "vraiment", "voilà", "trop", "une", "des"};
static const char *const w_de[] = {
	"heute", "und", "die", "der", "ist", "sehr", "schön", "Grüße", "für",
	"über", "wir", "immer", "Straße", "Mädchen", "danke", "endlich",
	"Wochenende", "gemütlich", "Frühstück", "zusammen", "nicht", "auch",
	"morgen", "wieder", "München", "läuft", "ein", "mit"};
static const char *const w_ja[] = {
	"今日", "は", "とても", "いい", "天気", "です", "ね", "みんな",
	"ありがとう", "明日", "も", "がんばろう", "本当に", "嬉しい", "東京",
	"。", "！", "ラーメン", "食べた", "新しい", "仕事", "猫", "かわいい",
	"の", "に", "を", "見て", "ください", "映画", "最高"};
static const char *const w_ar[] = {
	"اليوم", "شكرا", "جميل", "جدا", "الحمد", "لله", "صباح", "الخير",
	"مع", "الأصدقاء", "في", "المدينة", "كل", "من", "على", "هذا", "يوم",
	"سعيد", "القهوة", "العالم", "معا"};
static const char *const w_hi[] = {
	"आज", "बहुत", "अच्छा", "दिन", "है", "धन्यवाद", "सभी", "को", "नमस्ते",
	"में", "हम", "साथ", "खुश", "नया", "समय", "देखो", "यह", "और", "का",
	"दोस्तों"};
static const char *const w_pt[] = {
	"hoje", "que", "muito", "obrigado", "coração", "você", "não",
	"também", "cidade", "amigos", "sempre", "ação", "bom", "dia", "noite",
	"saudade", "futebol", "mulheres", "juntos", "está", "mais", "agora",
	"lindo", "uma", "com", "para", "e"};

#define LEX(a, sp) {a, sizeof(a) / sizeof(a[0]), sp}
const struct lexicon gs_gen_lexicon[NLANG] = {
	LEX(w_en, true), LEX(w_es, true), LEX(w_fr, true), LEX(w_de, true),
	LEX(w_ja, false), LEX(w_ar, true), LEX(w_hi, true), LEX(w_pt, true)};

const char *const gs_gen_emoji[] = {
	"\xf0\x9f\x98\x80", /* grinning face */
	"\xe2\x9d\xa4\xef\xb8\x8f", /* heart + VS16 */
	"\xf0\x9f\x99\x8f", "\xf0\x9f\x94\xa5", "\xe2\x9c\xa8",
	"\xf0\x9f\x98\x82", "\xf0\x9f\x91\x8f", "\xf0\x9f\x92\xaa",
	"\xf0\x9f\x8c\x8d", "\xf0\x9f\x8e\xb6", "\xf0\x9f\x98\xad",
	"\xf0\x9f\x91\x89", "\xe2\x98\x95"};

const char *const gs_gen_punct[] = {".", "!", "?", ",", "...", "\xe2\x80\xa6",
				    " -", ":"};

const char *const gs_gen_syl[NSYL] = {
	"ba", "be", "bi", "bo", "bu", "da", "de", "di", "do", "du",
	"fa", "fe", "fi", "fo", "ga", "ge", "go", "ka", "ke", "ki",
	"ko", "ku", "la", "le", "li", "lo", "lu", "ma", "me", "mi",
	"mo", "na", "ne", "ni", "no", "nu", "pa", "pe", "pi", "po",
	"ra", "re", "ri", "ro", "ru", "sa", "se", "si", "so", "ta",
	"te", "ti", "to", "tu", "va", "vi", "vo", "za", "zi", "zo"};

const char *const gs_gen_kana[] = {
	"さ", "く", "ら", "ゆ", "き", "は", "な", "み", "た", "ろ",
	"う", "あ", "お", "ひ", "か", "り", "ま", "こ"};

const char *const gs_gen_locations[] = {
	"Madrid", "London, England", "Tokyo", "Paris, France", "Berlin",
	"Mumbai", "São Paulo", "Cairo", "New York, NY", "Los Angeles, CA",
	"Toronto", "Osaka", "Lyon", "Buenos Aires", "Delhi", "Lisboa",
	"somewhere", "Earth \xf0\x9f\x8c\x8d", "she/her", "Planet Earth",
	"Dubai", "Köln", "Ciudad de México", "Québec"};

const char *const gs_gen_tw_sources[] = {
	"<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">"
	"Twitter for iPhone</a>",
	"<a href=\"http://twitter.com/download/android\" rel=\"nofollow\">"
	"Twitter for Android</a>",
	"<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">"
	"Twitter Web App</a>",
	"<a href=\"http://twitter.com\" rel=\"nofollow\">Twitter Web Client</a>",
	"<a href=\"https://about.twitter.com/products/tweetdeck\" "
	"rel=\"nofollow\">TweetDeck</a>"};
const char *const gs_gen_tw2_sources[] = {
	"Twitter for iPhone", "Twitter for Android", "Twitter Web App",
	"Twitter Web Client", "TweetDeck"};

const char *const gs_gen_colors[] = {"C0DEED", "000000", "1DA1F2",
				     "F5F8FA", "EDECE9", "131516",
				     "642D8B", "FF691F", "ABB8C2"};

const struct special gs_gen_specials[NSPECIAL] = {
	[S_METOO] = {"metoo",
		     {"MeToo", "metoo", "METOO", "Metoo",
		      "\xef\xbc\xad\xef\xbd\x85\xef\xbc\xb4\xef\xbd\x8f\xef\xbd\x8f"},
		     {0.70, 0.15, 0.05, 0.07, 0.03}},
	[S_SOLIDARITY] = {"solidarity", {"solidarity", "Solidarity"}, {0.7, 0.3}},
	[S_BELIEVE] = {"believe", {"BelieveSurvivors", "believesurvivors"},
		       {0.75, 0.25}},
	[S_STORM] = {"storm", {"StormWatch", "stormwatch", "STORMWATCH"},
		     {0.7, 0.2, 0.1}},
	[S_BREAKING] = {"breaking", {"breaking", "Breaking", "BREAKING"},
			{0.6, 0.3, 0.1}},
	[S_ANO] = {"año",
		   {"año", "Año", "AÑO", "an\xcc\x83o"},
		   {0.55, 0.25, 0.12, 0.08}},
	[S_FELIZ] = {"felizaño", {"FelizAño", "felizaño"}, {0.6, 0.4}},
	[S_ECLIPSE] = {"eclipse", {"EclipseNow", "eclipsenow", "ECLIPSENOW"},
		       {0.75, 0.2, 0.05}},
	[S_NIGHTSKY] = {"nightsky", {"nightsky", "NightSky"}, {0.6, 0.4}},
	[S_LIBRARY] = {"library", {"SaveOurLibrary", "saveourlibrary"},
		       {0.8, 0.2}},
	[S_READLOCAL] = {"readlocal", {"readlocal", "ReadLocal"}, {0.7, 0.3}},
	[S_NEWS] = {"news", {"news", "News", "NEWS"}, {0.8, 0.15, 0.05}},
	[S_MUSIC] = {"music", {"music", "Music"}, {0.85, 0.15}},
	[S_NOWPLAYING] = {"nowplaying", {"NowPlaying", "nowplaying"},
			  {0.6, 0.4}},
	[S_SPAM1] = {"spam1", {"FreeFollowers"}, {1}},
	[S_SPAM2] = {"spam2", {"WinAPhone"}, {1}},
	[S_SPAM3] = {"spam3", {"CryptoGiveaway"}, {1}},
	[S_ANO_PT] = {"ano", {"ano", "Ano"}, {0.8, 0.2}},
	[S_CAFE_FR] = {"café", {"café", "Café"}, {0.8, 0.2}},
	[S_CAFE] = {"cafe", {"cafe", "Cafe"}, {0.8, 0.2}},
	[S_STRASSE] = {"strasse", {"Straße", "STRASSE", "straße"},
		       {0.6, 0.25, 0.15}},
	[S_JA1] = {"ja1", {"拡散希望"}, {1}},
	[S_JA2] = {"ja2", {"今日の一枚"}, {1}},
	[S_JA3] = {"ja3", {"おはよう"}, {1}},
	[S_AR1] = {"ar1", {"عاجل"}, {1}},
	[S_AR2] = {"ar2", {"صباح_الخير"}, {1}},
	[S_HI1] = {"hi1", {"भारत"}, {1}},
	[S_HI2] = {"hi2", {"क्रिकेट"}, {1}},
	[S_ES1] = {"es1", {"BuenosDías", "buenosdías", "BuenosDias"},
		   {0.6, 0.3, 0.1}},
	[S_PT1] = {"pt1", {"BomDia", "bomdia"}, {0.6, 0.4}},
	[S_DE1] = {"de1", {"Tatort", "tatort"}, {0.8, 0.2}},
	[S_FR1] = {"fr1", {"MardiConseil", "mardiconseil"}, {0.7, 0.3}},
};

/* Language-specific background tags. */
const int gs_gen_lang_tags[NLANG][3] = {
	[L_EN] = {S_CAFE, -1, -1},     [L_ES] = {S_ES1, -1, -1},
	[L_FR] = {S_CAFE_FR, S_FR1, -1}, [L_DE] = {S_STRASSE, S_DE1, -1},
	[L_JA] = {S_JA1, S_JA2, S_JA3}, [L_AR] = {S_AR1, S_AR2, -1},
	[L_HI] = {S_HI1, S_HI2, -1},   [L_PT] = {S_ANO_PT, S_PT1, -1}};
