# ruff: noqa: E501  (data tables of prose: long lines read better than split strings)
"""Generate `songs.jsonl`: SAMPLE records shaped like `yt-dlp -j` output, for the demo and tests.

These are not a real crawl: titles and artists are real public songs, but ids (except a few famous
ones), counts, dates and descriptions are made up here, deterministically (fixed seed). Run
`python curate/data/samples/make_songs.py` to regenerate; the output is byte-identical each time.

Mix: official videos across genres and ten languages, YouTube Music topic tracks ("Provided to
YouTube by ..."), re-uploads of the same songs (near-duplicates for dedup), non-music videos,
sparse records, and a few broken lines (corrupt JSON, a wrong type, a missing id, a flat entry).
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("songs.jsonl")
VERSION = {"version": "2025.06.30", "release_git_head": "b0187844988e557c7e1e6bb1aabd4c1176768d86",
           "repository": "yt-dlp/yt-dlp"}  # fmt: skip
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# (language, artist, title, album, year, genre, real video id or None)
SONGS = [
    ("en", "Queen", "Bohemian Rhapsody", "A Night at the Opera", 1975, "rock", "fJ9rUzIMcZQ"),
    ("en", "Adele", "Rolling in the Deep", "21", 2010, "soul", "rYEDA3JcQqw"),
    ("en", "Bob Marley & The Wailers", "Redemption Song", "Uprising", 1980, "reggae", None),
    ("en", "Miles Davis", "So What", "Kind of Blue", 1959, "jazz", None),
    ("en", "Johnny Cash", "Hurt", "American IV: The Man Comes Around", 2002, "country", None),
    ("en", "Taylor Swift", "Shake It Off", "1989", 2014, "pop", None),
    ("en", "Nirvana", "Smells Like Teen Spirit", "Nevermind", 1991, "grunge", "hTWKbfoikeg"),
    ("en", "Dolly Parton", "Jolene", "Jolene", 1973, "country", None),
    ("en", "Kendrick Lamar", "HUMBLE.", "DAMN.", 2017, "hip hop", None),
    ("en", "Ed Sheeran", "Shape of You", "÷", 2017, "pop", "JGwWNGJdvx8"),
    ("en", "Billie Eilish", "bad guy", "WHEN WE ALL FALL ASLEEP, WHERE DO WE GO?", 2019, "pop", None),
    ("en", "Daft Punk", "Get Lucky", "Random Access Memories", 2013, "disco", None),
    ("en", "Fleetwood Mac", "Dreams", "Rumours", 1977, "rock", None),
    ("es", "Luis Fonsi", "Despacito ft. Daddy Yankee", "Vida", 2017, "reggaeton", "kJQP7kiw5Fk"),
    ("es", "ROSALÍA", "MALAMENTE (Cap.1: Augurio)", "El Mal Querer", 2018, "flamenco pop", None),
    ("es", "Shakira", "La Tortura ft. Alejandro Sanz", "Fijación Oral, Vol. 1", 2005, "pop latino", None),
    ("es", "Juanes", "La Camisa Negra", "Mi Sangre", 2004, "rock latino", None),
    ("es", "Bad Bunny", "Tití Me Preguntó", "Un Verano Sin Ti", 2022, "reguetón", None),
    ("es", "Mercedes Sosa", "Gracias a la Vida", "Gracias a la Vida", 1971, "folclore", None),
    ("es", "Julieta Venegas", "Limón y Sal", "Limón y Sal", 2006, "pop", None),
    ("es", "Manu Chao", "Me Gustas Tú", "Próxima Estación: Esperanza", 2001, "mestizo", None),
    ("es", "KAROL G", "PROVENZA", "MAÑANA SERÁ BONITO", 2022, "urbano", None),
    ("es", "Soda Stereo", "De Música Ligera", "Canción Animal", 1990, "rock", None),
    ("pt", "Astrud Gilberto", "Garota de Ipanema", "Getz/Gilberto", 1964, "bossa nova", None),
    ("pt", "Anitta", "Envolver", "Versions of Me", 2021, "funk", None),
    ("pt", "Caetano Veloso", "Sozinho", "Prenda Minha", 1998, "mpb", None),
    ("pt", "Marisa Monte", "Ainda Bem", "O Que Você Quer Saber de Verdade", 2011, "mpb", None),
    ("pt", "Amália Rodrigues", "Estranha Forma de Vida", "Busto", 1962, "fado", None),
    ("pt", "Jorge Ben Jor", "Mas Que Nada", "Samba Esquema Novo", 1963, "samba", None),
    ("pt", "Marília Mendonça", "Infiel", "Realidade", 2016, "sertanejo", None),
    ("pt", "Tim Maia", "Gostava Tanto de Você", "Tim Maia", 1973, "soul", None),
    ("fr", "Édith Piaf", "La Vie en rose", "La Vie en rose", 1947, "chanson", None),
    ("fr", "Stromae", "Alors on danse", "Cheese", 2009, "électro", None),
    ("fr", "Indila", "Dernière danse", "Mini World", 2013, "pop", None),
    ("fr", "Angèle", "Balance ton quoi", "Brol", 2019, "pop", None),
    ("fr", "Jacques Brel", "Ne me quitte pas", "La Valse à mille temps", 1959, "chanson", None),
    ("fr", "Aya Nakamura", "Djadja", "Nakamura", 2018, "afropop", None),
    ("fr", "Serge Gainsbourg", "La Javanaise", "Gainsbourg Confidentiel", 1963, "chanson", None),
    ("fr", "Zaz", "Je veux", "Zaz", 2010, "jazz manouche", None),
    ("de", "Rammstein", "Du hast", "Sehnsucht", 1997, "metal", None),
    ("de", "Nena", "99 Luftballons", "Nena", 1983, "neue deutsche welle", None),
    ("de", "Kraftwerk", "Das Model", "Die Mensch-Maschine", 1978, "elektronik", None),
    ("de", "Helene Fischer", "Atemlos durch die Nacht", "Farbenspiel", 2013, "schlager", None),
    ("de", "Die Toten Hosen", "Tage wie diese", "Ballast der Republik", 2012, "punk", None),
    ("de", "Peter Fox", "Haus am See", "Stadtaffe", 2008, "hip hop", None),
    ("de", "AnnenMayKantereit", "Barfuß am Klavier", "Alles Nix Konkretes", 2016, "indie", None),
    ("de", "Mark Forster", "Chöre", "TAPE", 2016, "pop", None),
    ("it", "Måneskin", "ZITTI E BUONI", "Teatro d'ira: Vol. I", 2021, "rock", None),
    ("it", "Laura Pausini", "La solitudine", "Laura Pausini", 1993, "pop", None),
    ("it", "Eros Ramazzotti", "Più bella cosa", "Dove c'è musica", 1996, "pop", None),
    ("it", "Domenico Modugno", "Nel blu, dipinto di blu", "Nel blu dipinto di blu", 1958, "canzone", None),
    ("it", "Andrea Bocelli", "Con te partirò", "Bocelli", 1995, "classica", None),
    ("it", "Mahmood", "Soldi", "Gioventù bruciata", 2019, "urban", None),
    ("ja", "YOASOBI", "夜に駆ける", "THE BOOK", 2019, "J-POP", None),
    ("ja", "米津玄師", "Lemon", "STRAY SHEEP", 2018, "J-POP", None),
    ("ja", "宇多田ヒカル", "First Love", "First Love", 1999, "R&B", None),
    ("ja", "Official髭男dism", "Pretender", "Traveler", 2019, "J-POP", None),
    ("ja", "LiSA", "紅蓮華", "LEO-NiNE", 2019, "アニソン", None),
    ("ja", "Ado", "うっせぇわ", "狂言", 2020, "J-POP", None),
    ("ja", "坂本九", "上を向いて歩こう", "上を向いて歩こう", 1961, "歌謡曲", None),
    ("ja", "King Gnu", "白日", "CEREMONY", 2019, "ロック", None),
    ("ko", "BTS (방탄소년단)", "Dynamite", "BE", 2020, "K-POP", "gdZLi9oWNZg"),
    ("ko", "BLACKPINK", "뚜두뚜두 (DDU-DU DDU-DU)", "SQUARE UP", 2018, "K-POP", None),
    ("ko", "아이유 (IU)", "밤편지 (Through the Night)", "Palette", 2017, "발라드", None),
    ("ko", "PSY", "GANGNAM STYLE (강남스타일)", "PSY 6甲", 2012, "K-POP", "9bZkp7q19f0"),
    ("ko", "NewJeans (뉴진스)", "Hype Boy", "New Jeans", 2022, "K-POP", None),
    ("ko", "BIGBANG", "뱅뱅뱅 (BANG BANG BANG)", "MADE", 2015, "K-POP", None),
    ("ko", "이문세", "광화문 연가", "이문세 4", 1987, "발라드", None),
    ("hi", "Arijit Singh", "Tum Hi Ho", "Aashiqui 2", 2013, "bollywood", None),
    ("hi", "Lata Mangeshkar", "Lag Ja Gale", "Woh Kaun Thi", 1964, "filmi", None),
    ("hi", "A.R. Rahman", "Jai Ho", "Slumdog Millionaire", 2008, "filmi", None),
    ("hi", "Badshah", "Genda Phool", "Genda Phool", 2020, "hip hop", None),
    ("hi", "Shreya Ghoshal", "Teri Ore", "Singh Is Kinng", 2008, "bollywood", None),
    ("hi", "Kishore Kumar", "Mere Sapno Ki Rani", "Aradhana", 1969, "filmi", None),
    ("hi", "Pritam", "Kesariya", "Brahmastra", 2022, "bollywood", None),
    ("ru", "Кино", "Группа крови", "Группа крови", 1988, "рок", None),
    ("ru", "Алла Пугачёва", "Миллион алых роз", "Как тревожен этот путь", 1982, "эстрада", None),
    ("ru", "t.A.T.u.", "Нас не догонят", "200 по встречной", 2001, "поп", None),
    ("ru", "Земфира", "Хочешь?", "Прости меня моя любовь", 2000, "рок", None),
    ("ru", "Сплин", "Выхода нет", "Гранатовый альбом", 1998, "рок", None),
]

# Sentences for official-video descriptions, per language: real prose, so language id has text.
PROSE = {
    "en": [
        "Official music video for “{title}” by {artist}, taken from the album {album}.",
        "The song was recorded in {year} and has since become one of the most loved {genre} songs of its time.",
        "Directed by a small team who wanted the video to feel like a memory rather than a performance.",
        "Thank you to everyone who has listened, shared and sung along over the years.",
        "Remastered in high definition from the original film reels, with the sound restored from the master tapes.",
        "Watch until the end for a short message from the band about the story behind the lyrics.",
    ],
    "es": [
        "Videoclip oficial de «{title}» de {artist}, incluido en el álbum {album}.",
        "La canción se grabó en {year} y se convirtió en uno de los temas de {genre} más queridos de su época.",
        "El video fue dirigido por un equipo pequeño que quería contar la historia de la canción con imágenes sencillas.",
        "Gracias a todas las personas que la han escuchado, compartido y cantado durante todos estos años.",
        "Versión remasterizada en alta definición a partir de las cintas originales del estudio.",
        "Mira el video hasta el final para escuchar un mensaje especial del artista sobre la letra.",
    ],
    "pt": [
        "Clipe oficial de “{title}”, de {artist}, do álbum {album}.",
        "A música foi gravada em {year} e se tornou uma das canções de {genre} mais queridas da sua época.",
        "O clipe foi dirigido por uma equipe pequena que queria contar a história da canção com imagens simples.",
        "Obrigado a todas as pessoas que ouviram, compartilharam e cantaram junto durante todos esses anos.",
        "Versão remasterizada em alta definição a partir das fitas originais do estúdio.",
        "Assista até o final para ouvir uma mensagem especial do artista sobre a letra.",
    ],
    "fr": [
        "Clip officiel de « {title} » de {artist}, extrait de l'album {album}.",
        "La chanson a été enregistrée en {year} et elle est devenue l'un des titres de {genre} les plus aimés de son époque.",
        "Le clip a été réalisé par une petite équipe qui voulait raconter l'histoire de la chanson avec des images simples.",
        "Merci à toutes celles et ceux qui l'ont écoutée, partagée et chantée pendant toutes ces années.",
        "Version remasterisée en haute définition à partir des bandes originales du studio.",
        "Regardez la vidéo jusqu'à la fin pour un message spécial de l'artiste sur les paroles.",
    ],
    "de": [
        "Offizielles Musikvideo zu „{title}“ von {artist}, aus dem Album {album}.",
        "Der Song wurde {year} aufgenommen und ist seitdem einer der beliebtesten Titel des {genre} seiner Zeit.",
        "Das Video wurde von einem kleinen Team gedreht, das die Geschichte des Liedes mit einfachen Bildern erzählen wollte.",
        "Danke an alle, die das Lied in all den Jahren gehört, geteilt und mitgesungen haben.",
        "Remasterte Fassung in hoher Auflösung, überarbeitet von den originalen Bändern aus dem Studio.",
        "Schaut bis zum Ende, dort erzählt die Band, wie der Text entstanden ist.",
    ],
    "it": [
        "Videoclip ufficiale di “{title}” di {artist}, tratto dall'album {album}.",
        "La canzone è stata registrata nel {year} ed è diventata uno dei brani {genre} più amati della sua epoca.",
        "Il video è stato diretto da una piccola squadra che voleva raccontare la storia della canzone con immagini semplici.",
        "Grazie a tutte le persone che l'hanno ascoltata, condivisa e cantata in tutti questi anni.",
        "Versione rimasterizzata in alta definizione a partire dai nastri originali dello studio.",
        "Guardate il video fino alla fine per un messaggio speciale dell'artista sul testo.",
    ],
    "ja": [
        "{artist}「{title}」の公式ミュージックビデオです。アルバム『{album}』に収録されています。",
        "この曲は{year}年に録音され、今では多くの人に愛される{genre}の代表曲になりました。",
        "映像は少人数のチームで制作し、歌詞の物語をシンプルな映像で表現しました。",
        "これまで聴いてくださった皆さん、一緒に歌ってくださった皆さん、本当にありがとうございます。",
        "オリジナルのマスターテープから音源を修復し、高画質でリマスターしました。",
        "最後まで見ていただくと、歌詞に込めた思いについてのメッセージがあります。",
    ],
    "ko": [
        "{artist}의 「{title}」 공식 뮤직비디오입니다. 앨범 {album}에 수록된 곡입니다.",
        "이 노래는 {year}년에 녹음되었고, 지금은 많은 사람들이 사랑하는 {genre} 대표곡이 되었습니다.",
        "뮤직비디오는 작은 팀이 가사의 이야기를 단순한 영상으로 표현하고 싶어서 만들었습니다.",
        "그동안 노래를 듣고 함께 불러 주신 모든 분들께 진심으로 감사드립니다.",
        "원본 마스터 테이프에서 소리를 복원하고 고화질로 리마스터한 영상입니다.",
        "영상 마지막에 가사에 담긴 이야기에 대한 특별한 메시지가 있으니 끝까지 봐 주세요.",
    ],
    "hi": [
        "{artist} का गीत “{title}” का आधिकारिक वीडियो, एल्बम {album} से।",
        "यह गीत {year} में रिकॉर्ड किया गया था और आज भी लोगों के दिलों में बसा हुआ है।",
        "इस वीडियो को एक छोटी टीम ने बनाया है जो गीत की कहानी को सरल दृश्यों में दिखाना चाहती थी।",
        "उन सभी का धन्यवाद जिन्होंने इतने वर्षों तक यह गीत सुना, साझा किया और साथ में गाया।",
        "मूल टेप से आवाज़ को सुधारकर इसे उच्च गुणवत्ता में फिर से तैयार किया गया है।",
        "गीत के बोलों के पीछे की कहानी जानने के लिए वीडियो को अंत तक ज़रूर देखें।",
    ],
    "ru": [
        "Официальный клип на песню «{title}» группы {artist} с альбома «{album}».",
        "Песня была записана в {year} году и с тех пор стала одной из самых любимых песен своего времени.",
        "Клип снимала небольшая команда, которая хотела рассказать историю песни простыми образами.",
        "Спасибо всем, кто слушал, делился и подпевал эту песню все эти годы.",
        "Ремастированная версия в высоком качестве, звук восстановлен с оригинальных студийных плёнок.",
        "Досмотрите до конца, чтобы услышать особое обращение музыкантов о тексте песни.",
    ],
}
PROMO = ["Listen on Spotify: https://open.spotify.com/artist/{slug}", "Apple Music: https://music.apple.com/artist/{slug}",
         "Follow {artist}:", "Instagram: @{slug}", "https://www.{slug}.com", "Subscribe to the channel: https://youtube.com/@{slug}",
         "#{tag} #{genre_tag} #music"]  # fmt: skip
NON_MUSIC = [
    (
        "en",
        "How to bake sourdough bread at home (beginner friendly)",
        "Howto & Style",
        "Bake With Maya",
        "In this video I show you my simple sourdough routine, from feeding the starter in the morning to baking the loaf in a cast iron pot at night. You do not need any special equipment, just flour, water, salt and a little patience. Let me know in the comments how your first loaf turned out.",
    ),
    (
        "en",
        "I tested every budget laptop so you don't have to",
        "Science & Technology",
        "Tech Bench",
        "We bought five laptops under five hundred dollars and used each one for a full week of work, school and light gaming. Battery life surprised us the most, while the screens were the weakest part across the board. Full results and our ranking are in the video.",
    ),
    (
        "es",
        "Receta fácil de tortilla de patatas como la de mi abuela",
        "Howto & Style",
        "Cocina con Lucía",
        "Hoy os enseño a preparar la tortilla de patatas tal y como la hacía mi abuela, con patata, huevo, cebolla y un buen aceite de oliva. Es una receta muy sencilla pero tiene sus trucos, sobre todo a la hora de darle la vuelta. Si os gusta el vídeo, dejad un comentario con vuestra versión.",
    ),
    (
        "de",
        "Ist das neue Smartphone sein Geld wert? Ehrlicher Test nach einem Monat",
        "Science & Technology",
        "Technik Ehrlich",
        "Ich habe das Gerät einen Monat lang jeden Tag benutzt und zeige euch, was mir gefallen hat und was nicht. Die Kamera ist bei Tageslicht sehr gut, nachts aber schwächer als erwartet. Der Akku hält locker einen ganzen Tag durch.",
    ),
    (
        "fr",
        "Visite de Lyon en deux jours : nos meilleures adresses",
        "Travel & Events",
        "Les Carnets de Léa",
        "Nous avons passé un week-end à Lyon et nous vous partageons nos adresses préférées, des bouchons traditionnels aux petites librairies du Vieux Lyon. Nous avons aussi marché jusqu'à la basilique de Fourvière pour admirer la vue sur toute la ville au coucher du soleil.",
    ),
    (
        "pt",
        "Minha rotina de estudos para o vestibular",
        "Education",
        "Estuda Comigo",
        "Neste vídeo eu mostro como organizo meus estudos durante a semana, quantas horas dedico a cada matéria e como faço revisões antes das provas. Também falo sobre descanso e alimentação, que fazem muita diferença no rendimento. Espero que ajude vocês nessa reta final.",
    ),
    (
        "ja",
        "【ゲーム実況】初見で最後のダンジョンに挑戦してみた",
        "Gaming",
        "ゆうきのゲーム部屋",
        "今回はついに最後のダンジョンに挑戦します。初見なので何度も失敗していますが、最後まで諦めずに頑張りました。面白かったら高評価とチャンネル登録をお願いします。次回はいよいよラスボス戦です。",
    ),
    (
        "ko",
        "서울 한 달 살기 브이로그 | 동네 카페와 시장 구경",
        "People & Blogs",
        "하루의 기록",
        "서울에서 한 달 동안 지내면서 자주 갔던 동네 카페와 전통 시장을 소개합니다. 아침에는 산책을 하고 오후에는 카페에서 일을 했어요. 영상이 마음에 드셨다면 구독과 좋아요 부탁드립니다.",
    ),
    (
        "hi",
        "घर पर आसान तरीके से बनाएं पनीर बटर मसाला",
        "Howto & Style",
        "रसोई की बातें",
        "आज हम घर पर बहुत आसान तरीके से पनीर बटर मसाला बनाना सीखेंगे। इसमें टमाटर, काजू, मक्खन और कुछ मसाले लगते हैं जो हर घर में मिल जाते हैं। वीडियो पसंद आए तो लाइक करें और अपने दोस्तों के साथ ज़रूर साझा करें।",
    ),
    (
        "it",
        "La vera carbonara romana: gli errori da non fare",
        "Howto & Style",
        "Cucina di Casa",
        "Oggi prepariamo la carbonara come si fa a Roma, con guanciale, pecorino, uova e pepe, senza panna. Vi spiego anche gli errori più comuni, come cuocere troppo le uova o usare un formaggio sbagliato. Fatemi sapere nei commenti se l'avete provata.",
    ),
    (
        "ru",
        "Как я выучил английский за год: мой опыт",
        "Education",
        "Заметки Максима",
        "В этом видео я рассказываю, как занимался английским каждый день по часу, какие книги и приложения мне помогли и какие ошибки я совершал в начале. Главное — регулярность и интерес к тому, что вы читаете и смотрите.",
    ),
    (
        "en",
        "Live news: city council votes on the new bike lanes",
        "News & Politics",
        "Metro Daily News",
        "The city council meets tonight to vote on the plan that would add forty kilometres of protected bike lanes over the next three years. Supporters say it will make streets safer, while some business owners worry about parking. Our reporter is at city hall with the latest.",
    ),
    (
        "en",
        "Guitar lesson: 5 easy chords every beginner should learn",
        "Education",
        "Strum School",
        "In this lesson we learn five open chords that unlock hundreds of songs: G, C, D, E minor and A minor. Practise switching between them slowly before you speed up, and keep your thumb relaxed behind the neck.",
    ),
]


def _vid(*parts: object) -> str:
    h = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return "".join(_ALPHABET[b % 64] for b in h[:11])


def _slug(text: str) -> str:
    out = "".join(c.lower() for c in text if c.isascii() and c.isalnum())
    return out or "artist" + hashlib.md5(text.encode()).hexdigest()[:6]


def _base(rng: random.Random, video_id: str, title: str, channel: str, duration: int, categories: list[str],
          tags: list[str], description: str, upload: str) -> dict:  # fmt: skip
    channel_id = "UC" + _vid("channel", channel)[:11] + _vid("channel2", channel)[:11]
    views = int(rng.lognormvariate(13, 2.2))
    timestamp = 1_100_000_000 + rng.randrange(600_000_000)
    url = f"https://www.youtube.com/watch?v={video_id}"
    return {
        "id": video_id, "title": title, "fulltitle": title, "description": description,
        "channel": channel, "channel_id": channel_id, "channel_url": f"https://www.youtube.com/channel/{channel_id}",
        "uploader": channel, "uploader_id": f"@{_slug(channel)}", "uploader_url": f"https://www.youtube.com/@{_slug(channel)}",
        "duration": duration, "duration_string": f"{duration // 60}:{duration % 60:02d}",
        "view_count": views, "like_count": views // rng.randint(40, 160), "comment_count": views // rng.randint(500, 3000),
        "categories": categories, "tags": tags, "upload_date": upload, "timestamp": timestamp,
        "availability": "public", "age_limit": 0, "live_status": "not_live", "playable_in_embed": True,
        "webpage_url": url, "original_url": url, "webpage_url_basename": "watch", "webpage_url_domain": "youtube.com",
        "extractor": "youtube", "extractor_key": "Youtube", "display_id": video_id,
        "thumbnail": f"https://i.ytimg.com/vi/{video_id}/maxresdefault.jpg",
        "thumbnails": [{"url": f"https://i.ytimg.com/vi/{video_id}/{n}.jpg", "preference": -i, "id": str(i)}
                       for i, n in enumerate(["default", "mqdefault", "hqdefault", "maxresdefault"])],
        "formats": [{"format_id": f, "ext": e, "url": f"https://rr3---sn.googlevideo.com/videoplayback?id={video_id}&itag={f}",
                     "protocol": "https", "filesize": rng.randrange(10**6, 10**8)} for f, e in (("140", "m4a"), ("251", "webm"), ("137", "mp4"))],
        "epoch": 1_751_300_000 + rng.randrange(86_400), "_type": "video", "_version": VERSION,
    }  # fmt: skip


def official(rng: random.Random, song: tuple) -> dict:
    lang, artist, title, album, year, genre, real_id = song
    video_id = real_id or _vid("official", artist, title)
    pool = PROSE[lang]
    picks = [pool[0]] + rng.sample(pool[1:], 3)
    text = " ".join(p.format(title=title, artist=artist, album=album, year=year, genre=genre) for p in picks)
    slug = _slug(artist)
    promo = [p.format(slug=slug, artist=artist, tag=slug, genre_tag=_slug(genre) or "music") for p in PROMO]
    parts = [text, "", *rng.sample(promo[:-1], 3), "", promo[-1]]
    chapters = None
    if rng.random() < 0.15:
        parts[1:1] = ["", "0:00 Intro", "0:42 Verse", "1:30 Chorus", "2:55 Bridge"]
        chapters = [{"start_time": s, "end_time": e, "title": t}
                    for s, e, t in ((0, 42, "Intro"), (42, 90, "Verse"), (90, 175, "Chorus"), (175, 240, "Bridge"))]  # fmt: skip
    suffix = {"ja": " (Official Music Video)", "ko": " M/V", "hi": " | Official Video"}.get(lang, " (Official Video)")
    upload = f"{max(year, 2006) + rng.randint(0, 3)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    info = _base(rng, video_id, f"{artist} - {title}{suffix}", artist, rng.randint(150, 330), ["Music"],
                 [artist, title, genre, album], "\n".join(parts), upload)  # fmt: skip
    if chapters:
        info["chapters"] = chapters
    return info


def topic(rng: random.Random, song: tuple) -> dict:
    lang, artist, title, album, year, genre, _ = song
    label = rng.choice(["Universal Music Group", "Sony Music Entertainment", "Warner Records", "Believe SAS",
                        "Columbia", "Parlophone UK", "HYBE", "T-Series", "Avex Music"])  # fmt: skip
    description = (
        f"Provided to YouTube by {label}\n\n{title} · {artist}\n\n{album}\n\n℗ {year} {label}\n\n"
        f"Released on: {year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n\nAuto-generated by YouTube."
    )
    info = _base(rng, _vid("topic", artist, title), title, f"{artist} - Topic", rng.randint(150, 330),
                 ["Music"], [], description, f"{max(year, 2014)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}")  # fmt: skip
    del info["tags"]
    # Newer yt-dlp parses these fields itself for topic tracks; older dumps only have the description.
    if rng.random() < 0.6:
        info.update(track=title, artists=[artist], artist=artist, album=album, release_year=year, creators=[artist])
    return info


def reupload(rng: random.Random, song: tuple, original: dict) -> dict:
    lang, artist, title, *_ = song
    kind = rng.choice(["Lyrics", "Audio", "HQ", "Letra", "Sped Up"])
    channel = rng.choice(["Lyrics Vault", "MusicFan Uploads", "Tunes Archive", "Letras y Música"])
    description = original["description"].split("\n\n")[0] + "\n\nNo copyright infringement intended. All rights go to " \
        f"{artist}.\n#{_slug(artist)} #lyrics"  # fmt: skip
    info = _base(rng, _vid("reupload", artist, title, kind), f"{artist} - {title} ({kind})", channel,
                 original["duration"] + rng.randint(-2, 2), ["Music"], [artist, title, "lyrics"], description,
                 "2021" + f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}")  # fmt: skip
    return info


def non_music(rng: random.Random, item: tuple) -> dict:
    lang, title, category, channel, text = item
    return _base(rng, _vid("other", title), title, channel, rng.randint(200, 1500), [category], [category.lower()],
                 text + "\n\nSubscribe for more: https://youtube.com/@" + _slug(channel), "20230412")  # fmt: skip


def broken_lines(rng: random.Random) -> list[str]:
    good = official(rng, SONGS[0])
    wrong_type = official(rng, SONGS[20]) | {"id": _vid("wrongtype"), "view_count": "1.2M views"}
    no_id = {k: v for k, v in official(rng, SONGS[30]).items() if k != "id"}
    flat = {"_type": "url", "ie_key": "Youtube", "id": _vid("flat"), "url": "https://www.youtube.com/watch?v=" + _vid("flat"),
            "title": "Flat playlist entry", "duration": 201.0, "channel": None, "view_count": None}  # fmt: skip
    return [
        json.dumps(good, ensure_ascii=False)[:700],  # truncated mid-write
        json.dumps(wrong_type, ensure_ascii=False),
        json.dumps(no_id, ensure_ascii=False),
        json.dumps(flat, ensure_ascii=False),
        '{"id": "' + _vid("garbage") + '", "title": "unterminated',
    ]


def sparse(rng: random.Random) -> list[dict]:
    out = []
    for i, (_lang, artist, title, *_rest) in enumerate(SONGS[3:60:10]):
        vid = _vid("sparse", artist, title)
        out.append({"id": vid, "title": f"{artist} - {title}", "duration": 180 + i * 7,
                    "webpage_url": f"https://www.youtube.com/watch?v={vid}", "extractor_key": "Youtube"})  # fmt: skip
    return out


def build() -> list[str]:
    rng = random.Random(20250701)
    records: list[dict] = []
    originals = {song: official(rng, song) for song in SONGS}
    records += originals.values()
    records += [topic(rng, song) for song in SONGS[::2]]
    records += [reupload(rng, song, originals[song]) for song in SONGS[1::5]]
    records += [non_music(rng, item) for item in NON_MUSIC]
    records += sparse(rng)
    rng.shuffle(records)
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    for i, line in enumerate(broken_lines(rng)):
        lines.insert(17 + i * 31, line)
    return lines


if __name__ == "__main__":
    lines = build()
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} lines to {OUT.name}")
