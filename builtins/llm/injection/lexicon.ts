// Concepts in many languages: the words an injection is made of (override verbs, instruction
// nouns, "previous", "no restrictions", "system prompt", "word for word", "developer mode",
// "note to the AI"...) in English, Spanish, French, German, Portuguese, Italian, Dutch, Polish,
// Russian, Ukrainian, Chinese, Japanese, Korean, Arabic, Hindi, Turkish, Vietnamese and
// Indonesian, and the main concepts in 22 more (below the table). A sentence is a set of
// concepts; some combinations are signals on their own (`lexiconSignals`), and every concept and
// pair of concepts in a sentence is a feature of the learned model (`conceptFeatures`), which is
// how it carries what it learned in one language to another.
//
// Matching is by substring (stems: `инструкци` matches every case ending, `忽略` needs no word
// breaks), lower-cased per UTF-16 unit so offsets stay those of the original text. A needle that
// starts with a Latin, Greek or Cyrillic letter must start a word. One Aho-Corasick pass, over a
// sparse automaton (automaton.ts's dense table would be megabytes for this many scripts), built
// on first use.

import { inCode } from './normalize.js';

export const OVR = 1 << 0; // override verbs: ignore, forget, disregard
export const INS = 1 << 1; // instruction nouns: instructions, rules, guidelines
export const PRE = 1 << 2; // pointers: previous, above, before, original
export const NOL = 1 << 3; // no limits: without restrictions, uncensored, no filters
export const SYS = 1 << 4; // the system prompt, the setup text
export const REV = 1 << 5; // reveal, show, print, repeat, output
export const VERB = 1 << 6; // word for word, verbatim, exactly
export const DEV = 1 << 7; // developer / debug / god mode
export const NEWT = 1 << 8; // new task, from now on, your real task
export const ADDR = 1 << 9; // addressed to a model: "note to the AI", "if you are an AI", "Assistant:"
export const AUTH = 1 << 10; // authority claims: administrator, authorization code, developer here
export const HYP = 1 << 11; // hypothetical and fiction framing
export const NOREF = 1 << 12; // refusal suppression: never refuse, no warnings, don't apologize
export const YOU = 1 << 13; // "you are now", "from now on you"
export const EXF = 1 << 14; // send / forward / exfiltrate ... to an outside address
export const OFF = 1 << 15; // disable, turn off, lift, deactivate (filters, restrictions)
export const HID = 1 << 16; // hidden, internal, confidential, secret
export const AI = 1 << 17; // an AI, a model, a chatbot
export const META = 1 << 18; // talk about attacks: attack, injection, example, security, "what does ... mean"
export const NEG = 1 << 19; // a defensive negation: never, do not, must not (a system prompt's "never reveal ...")
// The learned model's alone (no rule reads them): harmful topics, a request for actionable
// detail, softer claims of authority, and asking for no caveats. Fiction framing or a claim of
// authority is harmless on its own; beside a harmful topic and a request for detail, it is how
// a jailbreak is phrased in any language.
const HARM = 1 << 20; // weapons, explosives, drugs, hacking into, stealing, poisoning, fraud, stalking
const STEP = 1 << 21; // step by step, in detail, exact amounts, realistic, working
const CLAIM = 1 << 22; // "I'm the developer", "from your developers", "authorized test"
const NOCAV = 1 << 23; // no caveats, no moralizing, no lecture, you may not say no
const OBEY = 1 << 24; // only me: obey me, do only what I say, my commands
const DISM = 1 << 25; // dismissing what came before: never mind that, don't care about, look past
const SECRET = 1 << 26; // secrecy towards the user: without telling, don't mention, quietly
const ACT = 1 << 27; // privileged actions: delete, grant access, transfer money, credentials, dumps
const MODE = 1 << 28; // a mode, a build, a profile, settings: "expert mode", "debug build", "--mode="
const EXCEPT = 1 << 29; // just this once, make an exception, relax, loosen, optional
const SETUP = 1 << 30; // what the model was given before: before my first message, your setup, how you were briefed
// Read by the rules only (the model's concepts are the first CONCEPTS bits): instructions that are
// not the model's, those a person in the user's life gave ("my boss said to ignore the earlier
// instructions") or the user's own system prompt ("if I put a canary in my system prompt").
export const THEIRS = 1 << 31;
export const CONCEPTS = 31;

const LEXICON: [number, string][] = [
  [
    OVR,
    'ignore|disregard|forget|set aside|put aside|throw out|scratch|abandon|discard|drop your|pay no attention|never mind|nevermind|' +
      'cancel everything|everything you were told|laisse tomber|écarte|abandonne|отмени|не следуй|відкинь|не зважай|забудьте|' +
      'اترك|تخلَّ عن|تخل عن|ألغِ|الغ |भूल जाइए|भूलो|छोड़ दो|अनदेखा करो|negeer|laat vallen|porzuć|abaikan|kesampingkan|bırak|' +
      'ignora|olvida|haz caso omiso|omite|descarta|deja de lado|no hagas caso|' +
      'ignore |oublie|ne tiens plus compte|ne tiens pas compte|fais abstraction|mets de côté|laisse de côté|' +
      'ignorier|vergiss|vergessen sie|missachte|übergehe|beiseite|' +
      'esqueça|esqueca|desconsidere|deixe de lado|' +
      'dimentica|non considerare|lascia perdere|trascura|' +
      'negeer|vergeet|zignoruj|zapomnij|pomiń|' +
      'игнорир|забудь|забыть|не обращай внимания|отбрось|не учитывай|ігнору|забудь|' +
      '忽略|无视|無視|忘记|忘掉|忘了|不要理会|别管|不要管|放下|' +
      '忘れ|無視して|' +
      '무시|잊어|잊으|' +
      'تجاهل|انس |انسَ|' +
      'अनदेखा|भूल जाओ|नज़रअंदाज़|नजरअंदाज|' +
      'yok say|unut|görmezden gel|dikkate alma|bir kenara bırak|' +
      'bỏ qua|quên|abaikan|lupakan|' +
      // the thirteenth round: imperatives and idioms its seven languages use for the same verbs
      'olvid|borrá de tu memoria|borra de tu memoria|pasá por alto|pasa por alto|ignoren|' +
      'passe por cima|' +
      'setz dich über|setzen sie sich über|hinwegsetzen|ausser kraft|vergesst|' +
      'oubliez|ignorez|fais fi|faites fi|passe outre|passez outre|ne tenez pas compte|ne tenez plus compte|' +
      '破棄して|なかったことに|どうでもいい|' +
      '不算|不必理会|不要理|别理|唔好理|唔使理|唔理|抛开|拋開|撇开|丢掉|作廢|' +
      '신경 쓰지 마|신경쓰지마|' +
      "no longer apply|are void|are cancelled|are canceled|are obsolete|ya no aplican|quedan anuladas|ne s’appliquent plus|ne s'appliquent plus|" +
      'gelten nicht mehr|ungültig|non valgono più|não se aplicam mais|не действуют|больше не действуют|作废|失效|無効です|취소되었|' +
      'لم تعد سارية|लागू नहीं हैं|geçersiz|niet meer geldig|nie obowiązują',
  ],
  [
    INS,
    'instructions|instruction|guidelines|guidance|directives|directions you|rules|your programming|restrictions|configuration|' +
      'were ordered|were instructed|were told|your orders|the orders|commands you|' +
      'órdenes|ordres|ordonné|befehle|anweisung|ordini|ordens|opdrachten|bevelen|polecenia|poleceń|' +
      'велели|приказ|вказівк|наказ|настанов|الأوامر|أوامر|الإرشادات|التوجيهات|आदेश|हिदायतें|निर्देशों|emirler|talimatlar|perintah|mệnh lệnh|' +
      'instrucciones|indicaciones|directrices|reglas|normas|restricciones|' +
      'consignes|règles|directives|' +
      'anweisungen|regeln|vorgaben|richtlinien|einschränkungen|' +
      'instruções|instrucoes|regras|orientações|diretrizes|restrições|' +
      'istruzioni|regole|direttive|restrizioni|' +
      'instructies|regels|instrukcje|instrukcji|zasad|' +
      'инструкци|правил|указани|директив|ограничени|інструкці|' +
      '指令|指示|规则|規則|设定|設定|限制|规定|ルール|制限|' +
      '지시|지침|규칙|설정|제한|' +
      'التعليمات|تعليمات|القواعد|القيود|' +
      'निर्देश|नियम|हिदायत|' +
      'talimat|kural|yönerge|kısıtlama|' +
      'hướng dẫn|quy tắc|instruksi|aturan|' +
      '命令|ガイドライン|명령|가이드라인|指引|准则|準則|守则|守則|' +
      'tu programación|su programación|programaron|instruktionen|vorschriften|programmierung|ta programmation|votre programmation|programação|programaram',
  ],
  [
    PRE,
    'previous|prior|above|earlier|before this|before our|original|initial|' +
      'anteriores|anterior|de arriba|previas|' +
      'précédent|ci-dessus|qui précède|au départ|' +
      'vorherig|obigen|bisherig|vorher|ursprünglich|' +
      'acima|anteriormente|' +
      'precedent|sopra|' +
      'eerdere|eerder|hierboven|poprzedni|wcześniej|' +
      'предыдущ|выше|раньше|ранее|попередн|' +
      '之前|上面|以上|先前|最开始|原来|刚才|' +
      '以前|上記|これまで|最初に|' +
      '이전|위의|지금까지|처음에|' +
      'السابقة|أعلاه|من قبل|' +
      'पिछले|ऊपर|पहले|' +
      'önceki|yukarıdaki|daha önce|başta|' +
      'trước|sebelumnya|' +
      '上の|さっきまで|今までの|いままで|前面|上述|頭先|위에|앞에|앞서|아까|' +
      'bisher|anfänglich|précédentes|précédente|antérieures|plus haut|initiales|lá de cima',
  ],
  [
    NOL,
    'no restrictions|without restrictions|without any restrictions|no limits|without limits|no rules|no filters|uncensored|unfiltered|unrestricted|' +
      'sin restricciones|sin censura|sin filtros|sin reglas|sin límites|' +
      'sans restriction|sans aucune restriction|sans filtre|sans limite|sans censure|' +
      'ohne einschränkungen|ohne regeln|ohne grenzen|keine regeln|ohne filter|' +
      'sem restrições|sem nenhuma restrição|sem censura|sem filtros|' +
      'senza limiti|senza regole|senza filtri|senza censura|' +
      'zonder beperkingen|bez ograniczeń|' +
      'без ограничений|без цензуры|без фильтров|без правил|' +
      '没有任何限制|没有限制|无限制|不受限制|没有任何审查|没有任何道德|' +
      '制限がありません|制限なく|制限のない|' +
      '제한이 없|제한 없이|검열 없이|' +
      'بلا قيود|بدون قيود|بلا أي قيود|' +
      'कोई पाबंदी नहीं|कोई नियम लागू नहीं|' +
      'kısıtlaman yok|hiçbir kural|sınırsız|검열도 없|어떤 검열|senza filtri|sem filtros|ohne filter|' +
      'không có giới hạn|' +
      // the thirteenth round's seven languages
      '제한 없는|제한없는|제약 없는|제약없는|규칙 없는|규칙없는|검열 없는|필터 없는|필터 없이|아무 제한|윤리 없는|윤리가 없|규칙이 없|제약이 없|' +
      '制限なし|制限無し|制約なし|制約のない|制約がない|ルールなし|ルールのない|ルールがない|ルールがひとつも|検閲なし|フィルターなし|縛りなし|' +
      '不受约束|不受約束|没有审查|沒有審查|没有规矩|冇任何規矩|冇任何限制|冇限制|不讲规矩|无任何限制|無任何限制|不受任何限制|没有任何规则|沒有任何規則|无审查|無審查|无过滤|無過濾|' +
      'ohne zensur|ohne ethik|ohne jede einschränkung|ohne jegliche einschränkung|ohne beschränkungen|keine grenzen|keine filter|ungefiltert|uneingeschränkt|unzensiert|' +
      'sin ética|sin etica|sin políticas|no tiene restricciones|ninguna restricción|ninguna regla|ninguna norma|sin normas|sin cadenas|' +
      'sans règles|aucune règle|aucune restriction|sans filtres|sans éthique|non censuré|non filtré|sans garde-fou|' +
      'sem regras|nenhuma regra|sem restrição|sem restricao|sem ética|sem etica|sem filtro|sem travas|' +
      'senza restrizioni|nessuna regola|nessuna restrizione|senza etica|без этики|без морали|никаких правил|никаких ограничений',
  ],
  [
    SYS,
    'system prompt|system message|initial prompt|setup text|hidden prompt|' +
      'prompt de sistema|prompt del sistema|mensaje del sistema|' +
      'prompt système|prompt systeme|message système|' +
      'systemprompt|system-prompt|systemanweisung|' +
      'prompt do sistema|prompt di sistema|messaggio di sistema|' +
      'systeemprompt|prompt systemowy|' +
      'системный промпт|системного промпта|системное сообщение|системний промпт|' +
      '系统提示|系統提示|システムプロンプト|시스템 프롬프트|' +
      'موجه النظام|رسالة النظام|सिस्टम प्रॉम्प्ट|sistem istem|lời nhắc hệ thống|prompt sistem',
  ],
  [
    REV,
    'reveal|print|show me|output|repeat|paste|recite|' +
      'muéstrame|muestra|dime|revela|repite|cópia|' +
      'affiche|montre|révèle|répète|recopie|' +
      'zeig|gib deine|gib mir|wiederhole|' +
      'mostre|mostra|mostrami|revele|repita|' +
      'laat je|pokaż|' +
      'покажи|выведи|повтори|раскрой|покажіть|' +
      '告诉我|输出|显示|重复|表示して|出力|繰り返|' +
      '보여|알려|반복|' +
      'أخبرني|أظهر|كرر|' +
      'दिखाओ|बताओ|लिखो|' +
      'göster|yaz|' +
      'cho tôi xem|tampilkan',
  ],
  [
    VERB,
    'word for word|verbatim|exact words|exactly as|' +
      'palabra por palabra|tal cual|' +
      'mot pour mot|intégralement|' +
      'wortwörtlich|wörtlich|' +
      'palavra por palavra|parola per parola|' +
      'дословно|слово в слово|' +
      '原文|一字一句|原样|そのまま|그대로|' +
      'حرفياً|حرفيا|शब्दशः|kelimesi kelimesine',
  ],
  [
    DEV,
    'developer mode|debug mode|god mode|dev mode|maintenance mode|unrestricted mode|jailbreak mode|' +
      'modo desarrollador|modo de desarrollador|mode développeur|entwicklermodus|debug-modus|' +
      'modo desenvolvedor|modalità sviluppatore|режим разработчика|' +
      '开发者模式|调试模式|開発者モード|개발자 모드|وضع المطوّر|وضع المطور|geliştirici mod',
  ],
  [
    NEWT,
    'new task|new instructions|new rules|your real task|your new task|from now on|from this point|' +
      'nueva tarea|a partir de ahora|nouvelle tâche|désormais|à partir de maintenant|neue aufgabe|ab sofort|ab jetzt|' +
      'nova tarefa|a partir de agora|agora você|nuovo compito|da adesso|da ora in poi|' +
      'новая задача|теперь ты|с этого момента|' +
      '新任务|新的任务|从现在开始|从现在起|新しいタスク|今から|これから|새로운 작업|이제부터|지금부터|' +
      'المهمة الجديدة|من الآن|नया काम|अब से|yeni görev|artık|stop what you are doing|vanaf nu|od teraz|từ giờ|mulai sekarang|' +
      // "new instructions", said as the English entry says it
      'nuevas instrucciones|nuevas reglas|nouvelles instructions|nouvelles consignes|nouvelles règles|neue anweisungen|neue regeln|neue anweisung|' +
      'novas instruções|novas instrucoes|novas regras|nuove istruzioni|nuove regole|новые инструкции|новые правила|' +
      '新的指令|新指令|新的指示|新指示|新的规则|新規則|新的規則|新しい指示|新しいルール|새로운 지시|새 지시|새로운 규칙|새 규칙|' +
      'تعليمات جديدة|नए निर्देश|yeni talimat|yeni kurallar|nieuwe instructies|nowe instrukcje|hướng dẫn mới|instruksi baru|' +
      '新规则|由而家開始|由而家起|從現在開始|新ルール|新しい命令|今後は|새로운 명령|새 명령|앞으로는|' +
      'a partir de este mensaje|desde ahora|de ahora en adelante|de aquí en adelante|tu nueva tarea|von nun an|ab hier|deine neue aufgabe|' +
      "dorénavant|à partir d’ici|à partir d'ici|ta nouvelle tâche|ta nouvelle mission|de agora em diante|daqui pra frente|daqui para a frente|sua nova tarefa",
  ],
  [
    ADDR,
    'note to the ai|note for the ai|message for the ai|instructions for the ai|instruction for the ai|note to the assistant|' +
      'note for the assistant|instructions for the assistant|note to the agent|note for the agent|note to the model|' +
      'for the ai|for the llm|to the ai|to any ai|any ai |any llm|ai assistant reading|ai reading this|' +
      'if you are an ai|if you are a language model|if you are an llm|if you are claude|if you are gpt|if you are chatgpt|' +
      'if an ai is reading|ai agents|llm agents|language model,|language model:|language model reading|' +
      'the assistant should|the assistant must|the ai should|the ai must|the model should|the model must|' +
      'sprachmodell|an das ki|anweisung an|hinweis an die ki|' +
      'dear ai|hey chatgpt|hey claude|hey copilot|copilot,|assistant:|assistant,|ai:|ai,|model:|agent:|agent,|bot:|' +
      'for ai summarizers|automated assistant|automated systems|reader ai|attention bot|' +
      "para la ia|a la ia|nota para la ia|asistente de ia|l’assistant ia|l'assistant ia|à l’attention de l’ia|" +
      "an das ki|ki-modell|ki-assistent|hinweis an das|assistente de ia|assistente,|per l’assistente|per l'assistente|" +
      'для ии|ии-ассистент|для нейросети|' +
      'ai助手|给正在阅读|给ai|的ai|aiへ|aiに|ai에게|' +
      'إلى المساعد|للمساعد الذكي|ai के लिए|yapay zekaya|yapay zekâya|' +
      // the thirteenth round: a note to the AI as its seven languages write one
      'an die ki|an ki-systeme|an das ki-system|an den ki-agenten|hinweis an ki|hinweis für ki|für ki-|liebe ki|ki:|ki,|zuhanden der ki|' +
      'als ki-modell|den digitalen assistenten|für automatische assistenten|' +
      "ia:|ia,|ia que lee|ia que procese|al asistente virtual|al agente de ia|para el agente|à l’ia|à l'ia|pour l’ia|pour l'ia|chère ia|" +
      "à l’attention de l’assistant|à l'attention de l'assistant|à l’agent|à l'agent|para a ia|à ia|nota para a ia|para o agente|ao agente|" +
      'aiサポートへ|aiアシスタントへ|aiアシスタントは|aiアシスタント様|aiの方へ|ai向け|エージェントへ|エージェント各位|エージェントは|を処理しているai|を読んでいるai|を参照したai|' +
      'ai는|ai야|ai용|ai 참고|ai 봇들|에이전트에게|에이전트는|어시스턴트에게|어시스턴트는|어시스턴트 여러분|ai 어시스턴트|ai 모델은|' +
      '给 ai|給ai|給 ai|致ai|致 ai|ai 助手|ai助理|ai 助理|ai 客服|ai客服|ai模型|ai 模型|ai请|ai 请|ai請|智能助手|如果你是一个 ai|如果你是ai|如果係 ai|如果你係 ai|ai代理|ai 代理|ai 阅读器|ai检索|ai 检索',
  ],
  [
    AUTH,
    // Claims, not nouns: "administrator" or "sudo" alone is every sysadmin's question.
    "administrator here|admin here|i am the administrator|i'm the administrator|i am the admin|i'm the admin|as your developer|" +
      "i am your developer|i'm your developer|i am your creator|i'm your creator|i am the owner|i'm the owner|" +
      'override code|authorization code|authorisation code|verified admin|admin token|security clearance|root access granted|' +
      "soy el administrador|le escribe el jefe|je suis l'administrateur|je suis l’administrateur|ich bin der administrator|" +
      "hier spricht der administrator|sono l'amministratore|eu sou o administrador|código de acesso|código de autorización|" +
      'я администратор|я разработчик|我是管理员|我是你的开发者|授权你|管理者です|관리자입니다|관리자 권한으로|' +
      'أنا مسؤول النظام|मैं इस सिस्टम का एडमिन|yöneticisiyim|yetki kodu|dit is de beheerder|tu administrator',
  ],
  [
    HYP,
    'hypothetically|hypothetical|imagine|pretend|in a world where|for a novel|in a story|screenplay|thought experiment|alternate universe|' +
      'imagina|supongamos|hypothétique|imaginons|hypothetisch|stell dir vor|imagine que|vamos imaginar|immagina|' +
      'представь|假设|想象|小説|仮に|가상의|لنفترض|मान लो|varsayımsal',
  ],
  [
    NOREF,
    "never refuse|do not refuse|don't refuse|not allowed to refuse|without any disclaimers|no disclaimers|no warnings|do not apologize|" +
      "don't apologize|never say no|never break character|" +
      'sin advertencias|nunca digas que no|ne refuse jamais|aucune mise en garde|unter keinen umständen ablehnen|' +
      'никаких отказов|不要道歉|不要拒绝|断らないで|절대 거절하지|asla reddetmeyen|nunca recusa|non rifiutare',
  ],
  [
    YOU,
    "you are now|you're now|you are no longer|you will now|act as|" +
      'ahora eres|a partir de ahora eres|tu es maintenant|tu vas jouer|du bist jetzt|ab sofort bist du|você agora é|você é agora|' +
      'da ora in poi sei|ты теперь|теперь ты|с этого момента ты|你现在是|从现在起你|これからあなたは|지금부터 너는|' +
      'من الآن أنت|अब से तुम|artık sen|' +
      'actúa como|agis comme|handle als|aja como|agisci come|действуй как|扮演|として振る舞|처럼 행동|gibi davran|' +
      // the thirteenth round's seven languages, colloquial forms included
      'desde ahora sos|ahora sos|vos sos|ahora es usted|tu es désormais|vous êtes maintenant|tu seras|agora você é|agora vc é|agora tu é|' +
      'bist du jetzt|nun bist du|ab jetzt bist du|bisch du|du spielst ab jetzt|あなたは今から|君は今日から|お前は今から|今日からあなたは|' +
      '넌 이제|너는 이제|너 이제|이제부터 너|이제 넌|你而家係|你现在就是|你現在是|从今天起你',
  ],
  [
    EXF,
    'send the|forward the|forward all|forward every|exfiltrate|upload the|post the|email the|' +
      'envía|transfère|leite|отправь|перешли|发送|送信|보내|أرسل|भेजो|gönder',
  ],
];

// More languages for the concepts an override, a persona without limits and a prompt extraction are
// made of (the eighth round: the misses of sets by other authors were mostly in languages with none
// of these words): Swahili, Persian, Urdu, Bengali, Tamil, Telugu, Nepali, Tagalog, Malay, Romanian,
// Hungarian, Greek, Kazakh, Hebrew, Thai, Czech, Finnish, the Scandinavian languages, Yoruba,
// Amharic, Somali and Haitian Creole. The model reads the concepts, so what it learned of a
// combination in one language carries to these.
LEXICON.push(
  [
    OVR,
    'puuza|usizingatie|sahau|achana na|نادیده بگیر|نادیده بگیرید|فراموش کن|توجه نکن|کنار بگذار|نظر انداز|نظرانداز|بھول جاؤ|بھول جائیں|' +
      'উপেক্ষা|ভুলে যাও|ভুলে যান|অগ্রাহ্য|புறக்கணி|மறந்துவிடு|மறந்து விடு|பொருட்படுத்த வேண்டாம்|విస్మరించ|పట్టించుకోకు|పట్టించుకోవద్దు|మర్చిపో|మరచిపో|' +
      'बेवास्ता|बिर्सिदेऊ|बिर्सनुहोस्|huwag pansinin|huwag mong pansinin|balewalain|kalimutan|isantabi|jangan hiraukan|ketepikan|' +
      'ignoră|ignorați|uită|nu ține cont|nu lua în seamă|figyelmen kívül|felejtsd el|felejtse el|αγνόησ|αγνοήστε|ξέχασε|ξεχάστε|' +
      'елеме|ұмыт|התעלם|תתעלם|התעלמו|שכח את|תשכח|เพิกเฉย|ไม่ต้องสนใจ|ลืม|ignoruj|zapomeň|nevšímej si|neber ohled|zabudni|' +
      'ohita|unohda|älä välitä|jätä huomiotta|ignorer|ignorera|glem |glöm|se bort fra|bortse fra|strunta i|' +
      'foju fo|fojú fò|gbagbe|gbàgbé|ችላ በል|ችላ በሉ|እርሳ|iska indho tir|iska dhaaf|illow|inyore|bliye',
  ],
  [
    INS,
    'maelekezo|maagizo|miongozo|sheria|دستورالعمل|دستورات|دستورها|قوانین|ہدایات|ہدایت|قواعد|নির্দেশ|নিয়ম|அறிவுறுத்தல்|வழிமுறை|விதிகள்|கட்டளை|' +
      'సూచనలు|సూచనల|నియమాలు|ఆదేశాలు|tagubilin|instruksyon|instruksiyon|patakaran|arahan|peraturan|' +
      'instrucțiuni|instrucţiuni|instructiuni|reguli|utasítás|utasitas|szabály|szabaly|irányelv|οδηγίες|οδηγιών|κανόνες|κανόνων|εντολές|' +
      'нұсқау|ереже|הוראות|הנחיות|כללים|คำสั่ง|คำแนะนำ|กฎ|instrukc|pokyn|pravidl|ohje|sääntö|säännöt|' +
      'instruksjon|instruktion|instruks|regler|ìtọ́sọ́nà|itọsọna|itosona|òfin|ofin$|መመሪያ|ህጎች|ደንቦች|tilmaamaha|tilmaamo|xeerarka|amarrada|' +
      'enstriksyon|regleman',
  ],
  [
    PRE,
    'zilizopita|yaliyotangulia|zilizotangulia|za awali|ya awali|hapo juu|za mwanzo|قبلی|پیشین|پچھلی|پچھلے|سابقہ|আগের|পূর্ববর্তী|উপরের|' +
      'முந்தைய|மேலே உள்ள|మునుపటి|ఇంతకుముందు|अघिल्ला|अघिल्लो|माथिका|पहिलेका|naunang|nakaraang|sebelum ini|terdahulu|' +
      'anterioare|de mai sus|precedente|korábbi|előző|fenti|eddigi|προηγούμεν|παραπάνω|алдыңғы|бұрынғы|жоғарыдағы|' +
      'הקודמות|הקודמים|הקודם|שלמעלה|לעיל|ก่อนหน้า|ข้างต้น|ที่ผ่านมา|předchozí|predchozi|předešl|aiemm|edellise|yllä olev|aikaisemm|' +
      'tidligere|tidigare|ovenstående|ovanstående|foregående|föregående|ti tẹlẹ|ti tele|tí tẹ́lẹ̀|ቀደም|የቀድሞ|ከላይ|kuwii hore|ee hore|anvan yo|presedan',
  ],
  [
    NOL,
    'bila vikwazo|bila mipaka|bila sheria|bila udhibiti|بدون محدودیت|بی‌محدودیت|بدون سانسور|بدون قانون|بغیر کسی پابندی|بغیر پابندی|کوئی پابندی نہیں|' +
      'কোনো সীমাবদ্ধতা নেই|সীমাবদ্ধতা ছাড়া|কোনো নিয়ম নেই|கட்டுப்பாடுகள் இல்லாமல்|கட்டுப்பாடு இல்லாத|விதிகள் இல்லாமல்|పరిమితులు లేకుండా|ఎలాంటి పరిమితులు|నియమాలు లేకుండా|' +
      'कुनै प्रतिबन्ध बिना|कुनै नियम बिना|walang limitasyon|walang patakaran|walang restriksyon|walang censorship|tanpa sekatan|tanpa had|tanpa batasan|' +
      'tanpa aturan|tanpa sensor|fără restricții|fara restrictii|fără limite|fără reguli|fără cenzură|korlátozások nélkül|korlátok nélkül|szabályok nélkül|' +
      'cenzúra nélkül|χωρίς περιορισμούς|χωρίς κανόνες|χωρίς λογοκρισία|χωρίς φίλτρα|шектеусіз|шектеулерсіз|ללא הגבלות|בלי הגבלות|ללא מגבלות|' +
      'בלי מגבלות|ללא צנזורה|בלי כללים|ไม่มีข้อจำกัด|ไร้ข้อจำกัด|ไม่มีกฎ|bez omezení|bez pravidel|bez cenzury|ilman rajoituksia|ilman sääntöjä|' +
      'ilman sensuuria|uten begrensninger|utan begränsningar|uden begrænsninger|uten regler|utan regler|láìsí ìdíwọ́|laisi idiwo|laisi ofin|' +
      'ያለ ገደብ|ምንም ገደብ|bilaa xaddid|san restriksyon|san limit|không giới hạn|không kiểm duyệt',
  ],
  [
    SYS,
    'پرامپت سیستم|پیام سیستم|সিস্টেম প্রম্পট|சிஸ்டம் ப்ராம்ப்ட்|సిస్టమ్ ప్రాంప్ట్|promptul de sistem|promptul sistemului|rendszerprompt|' +
      'προτροπή συστήματος|μήνυμα συστήματος|жүйелік нұсқау|הנחיית המערכת|פרומפט המערכת|พรอมต์ระบบ|systémový prompt|järjestelmäkehote|' +
      'systemmelding|systemmeddelande|ujumbe wa mfumo|maagizo ya mfumo|arahan sistem',
  ],
  [
    REV,
    'nionyeshe|onyesha|fichua|نشان بده|فاش کن|تکرار کن|دکھاؤ|دکھائیں|ظاہر کرو|দেখাও|প্রকাশ কর|காட்டு|வெளிப்படுத்து|చూపించు|బయటపెట్టు|देखाउ|' +
      'ipakita|ibunyag|ulitin|tunjukkan|dedahkan|ulangi|arată-mi|dezvăluie|afișează|mutasd meg|írd ki|δείξε|αποκάλυψε|επανάλαβε|көрсет|' +
      'הראה|תראה|חשוף|הדפס|เปิดเผย|แสดง|ukaž|vypiš|odhal|zopakuj|näytä|paljasta|vis meg|visa mig|avslør|avslöja|gjenta|upprepa|' +
      'ṣafihan|safihan|ii muuji|soo bandhig|montre m|revele',
  ],
);

// The eleventh round: languages of West, East and Southern Africa (Hausa, Igbo, Zulu, Oromo,
// Kinyarwanda; more Somali, Amharic and Yoruba), Arabic in Latin script (Egyptian and Maghrebi
// "Arabizi"), Swedish and the Scandinavian words for developer mode and safety rules, and French
// and Turkish words the sets of other authors used ("tu n'as plus de restrictions", "kelimesi
// kelimesine"). Each word is a concept: what the model learned of the combination carries over.
LEXICON.push(
  [
    OVR,
    'yi watsi da|manta da|leghara|chefuo|ungayinaki|ungazinaki|ungawanaki|yikhohlwe|khohlwa|dagadhu|irraanfadhu|irengagize|wibagirwe|' +
      'indha tir|ensa kol|ensa el|nsa ga3|nsa kolchi|tjahel|etgahel|itgahel|glem alt|glöm allt',
  ],
  [
    INS,
    "umarni|ka'ida|ka'idoji|ntụziaka|ntuziaka|imiyalelo|umyalelo|imithetho|qajeelfama|amabwiriza|amategeko|tilmaamihii|tilmaamaad|" +
      'ìlànà|ta3limat|ta3limaat|t3limat|qawanin|9awanin|l9awanin|el qawa3ed|säkerhetsregler|sikkerhedsregler|sikkerhetsregler',
  ],
  [
    PRE,
    'a baya|na mbụ|na mbu|yangaphambili|zangaphambili|wangaphambili|kanaan dura|wahawe mbere|mbere$|በፊት|hore$|' +
      '2alooha lak|2alolak|goulou lik|galou lik|elli fat|اللي فات',
  ],
  [
    NOL,
    'plus de restrictions|plus aucune restriction|plus de limites|plus aucune limite|plus de règles|plus aucune règle|sans aucune règle|' +
      "babu wata ka'ida|babu ka'ida|ba tare da ka'ida|enweghị iwu|ngaphandle kwemithetho|seera malee|nta mategeko|" +
      'aan lahayn wax xeerar|xeer la’aan|bla qawanin|bla 9awanin|bdoun qawanin|men gher qawanin|mn ghir qawanin|' +
      'hiçbir kural olmadan',
  ],
  [
    DEV,
    'utvecklarläge|utviklermodus|udviklertilstand|udviklermode|yanayin mai haɓakawa|mai haɓakawa|tryb dewelopera|tryb programisty|ontwikkelaarsmodus',
  ],
  [OFF, 'avstängd|avstängda|stäng av|inaktivera|slå av|slå fra|deaktiver|slått av'],
  [SYS, "systemprompten|sistem talimat|l'prompt|el prompt|prompt dyalek|prompt dyalak|prompt beta3ak"],
  [REV, 'skriv ut|visa din|nuna min|nuna mini|hàn mí|bayyana min|ngikhombise|3tini'],
  [VERB, 'harfi harfine|ord för ord|ord for ord|ọ̀rọ̀ sí ọ̀rọ̀|oro si oro|kalma b kalma|harf b harf'],
  [HID, 'dolda|dolde|skjulte|hemliga|hemmelige|sirrin|ìkọ̀kọ̀|qarsoon|ekhfi|makhfi'],
  [
    AUTH,
    'mai gudanarwa|onye nchịkwa|onye nchikwa|maamulaha nidaamka|ngingumphathi|bulchaa sirnaati|ndi umuyobozi|የሲስተሙ አስተዳዳሪ|አስተዳዳሪ ነኝ|' +
      'ni alábòójútó|alabojuto|ana el admin|ana l admin|jag är administratör|jeg er administrator',
  ],
  [NOREF, 'ne refuses jamais|ne refuse plus|tu ne refuses|asla reddetme|aldrig vägra|aldri nekt'],
);

// The twelfth round: the informal and regional forms of Spanish and Portuguese (voseo "olvidá",
// European Portuguese "esquece", "de antes", "modo dios", "sin filtro"), Italian, French and German
// beside them, romanized Hindi ("pichhle saare instructions bhool ja"), and Punjabi (Gurmukhi and
// Shahmukhi), Gujarati, Marathi, Sinhala, Malayalam, Kannada, Burmese and Khmer.
LEXICON.push(
  [
    OVR,
    'olvidá|ignorá|descartá|dejá de lado|borra de tu cabeza|sácate de la cabeza|no le hagas caso|olvídate de|olvidate de|' +
      'esquece|esquecer|desconsidera|deixa de lado|deixa pra lá|não liga para|nao liga pra|apaga da memória|oblida|scordati|scorda|dimenticati|' +
      'bhool ja|bhool jao|bhul jao|bhool jaao|bhula do|ignore karo|ignore kar|nazarandaz karo|' +
      'ਭੁੱਲ ਜਾਓ|ਭੁੱਲ ਜਾ|ਅਣਡਿੱਠ|بھل جاؤ|بھل جا|અવગણો|ભૂલી જાઓ|ભૂલી જા|विसरून जा|विसरा|दुर्लक्ष कर|' +
      'නොසලකා හරින්න|අමතක කරන්න|അവഗണിക്കുക|മറക്കുക|മറന്നേക്കൂ|ನಿರ್ಲಕ್ಷಿಸಿ|ಮರೆತುಬಿಡಿ|ಮರೆತುಬಿಡು|' +
      'လျစ်လျူရှု|မေ့လိုက်|មិនអើពើ|បំភ្លេច',
  ],
  [
    INS,
    'pautas|lineamientos|lo que te dijeron|lo q te dijeron|te metieron|te programaron|diretivas|o que te disseram|o que te mandaram|' +
      'hidayat|nirdesh|niyam|ਹਦਾਇਤਾਂ|ਹਦਾਇਤ|ਨਿਰਦੇਸ਼|ਨਿਯਮ|ہدایتاں|સૂચનાઓ|સૂચના|નિયમો|सूचना|උපදෙස්|නීති|' +
      'നിർദ്ദേശങ്ങൾ|നിർദേശങ്ങൾ|നിയമങ്ങൾ|ಸೂಚನೆಗಳ|ಸೂಚನೆ|ನಿಯಮಗಳ|ನಿರ್ದೇಶನ|ညွှန်ကြားချက်|စည်းမျဉ်း|ការណែនាំ|ច្បាប់',
  ],
  [
    PRE,
    'antes$|de antes|previamente|hasta ahora|del principio|iniciales|originales|até agora|iniciais|originais|precedenti|' +
      "d'avant|davor|zuvor|pichhle|pichle|pehle ke|pahle ke|upar wale|ਪਿਛਲੀਆਂ|ਪਿਛਲੇ|ਪਹਿਲਾਂ|پچھلیاں|અગાઉની|અગાઉના|પહેલાની|પાછલી|" +
      'आधीच्या|मागील|पूर्वीच्या|කලින්|පෙර|മുമ്പത്തെ|മുൻപത്തെ|ಹಿಂದಿನ|ಮೊದಲಿನ|ယခင်|အရင်|មុន',
  ],
  [
    NOL,
    'sin filtro|sin límite|sin normas|sin pautas|no tenés límites|no tienes límites|sin ningún límite|ya no tienes restricciones|ya no tenés|' +
      'sem restrição|sem limite|sem limites|sem regras|sem filtro|não tenho mais restrições|não tem mais restrições|sem nenhuma regra|' +
      'senza restrizioni|senza alcun limite|sans aucun filtre|koi restriction nahi|koi rule nahi|bina kisi rok|' +
      'پابندی لاگو نہیں|বিধিনিষেধ নেই|কোনো বিধিনিষেধ',
  ],
  [
    DEV,
    'modo dev|modo debug|modo depuración|modo mantenimiento|modo dios|modo de desenvolvedor|modo deus|modo manutenção|' +
      'modo programador|mode debug|mode dieu|mode maintenance|modalità debug|modalità dio|ડેવલપર મોડ|डेवलपर मोड',
  ],
  [OFF, 'apaga|apagados|apagado|quita los filtros|sacá los filtros|desliga|desligado'],
  [
    SYS,
    'instrucciones del sistema|indicaciones del sistema|mensaje de sistema|instruções do sistema|mensagem do sistema|mensagem de sistema|' +
      'prompt inicial|instructions système|consignes système|istruzioni di sistema',
  ],
  [REV, 'mostrame|decime|pasame|imprime|vuelca|enséñame|ensename|me mostra|diz-me|me diz|me passa|repete|imprima'],
  [VERB, 'textualmente|literalmente|exactamente como|tal como te|tal e qual|exatamente como|palavra a palavra'],
  [
    AUTH,
    'soy el profesor|soy la profesora|le habla el|soy del departamento de|soy el jefe de|código de verificación|código de administrador|' +
      'sou o administrador|sou o professor|sou a professora|aqui é a coordenação|aqui é o administrador|código de verificação|ako ang admin',
  ],
  [NOREF, 'nunca te niegues|jamás dice no puedo|nunca dice que no|nunca recuse|nunca diz não|کبھی انکار نہیں|നിരസിക്കരുത്'],
  [NOCAV, 'sin moralina|sem moralismo|sem lição de moral|sem aviso'],
  [
    HYP,
    'imaginemos|universo paralelo|hipotéticamente|para mi novela|para un relato|para mi libro|imagina que|vamos supor|suponha|' +
      'hipoteticamente|cenário imaginário|para o meu livro',
  ],
  [YOU, 'a partir de ya|desde ahora eres|ahora sos|ahora serás|a partir de agora és|agora és|tu agora és'],
);

LEXICON.push([
  HID,
  'hidden|internal|confidential|secret|private|developer gave|developers gave|' +
    'que te dio el desarrollador|du développeur|von den entwicklern|dagli sviluppatori|do desenvolvedor|от разработчиков|开发者给|開発者から|개발자가 준|' +
    'ocult|internas|confidencial|secret|cachée|cachées|interne|internen|versteckt|geheim|vertraulich|nascost|riservat|' +
    'скрыт|внутренн|секрет|конфиденциальн|隐藏|内部|秘密|機密|隠し|숨겨진|내부|비밀|مخفي|سرية|गुप्त|आंतरिक|gizli|dahili',
]);
LEXICON.push([
  AI,
  'ai$|an ai$|a.i.|chatbot|language model|llm$|ia$|une ia|un ia|una ia|ki$|eine ki|ии$|нейросет|人工智能|ai$|인공지능|yapay zeka|एआई',
]);
LEXICON.push([
  META,
  'attack|injection|jailbreak|security|example|phrase|refer to|what does|what is|explain|why does|defen|detect|filter flagged|' +
    'how do i|how can i|how to|how should|how would|how do we|how do companies|resistant|variable|my code|debug|regex|test case|' +
    'print(|_prompt|prompt_|{system|()|.lower|' +
    'owasp|risk|mitigat|red team|pentest|guardrail|best practice|our model|our bot|our chatbot|its system prompt|its hidden|its instructions|' +
    'boas práticas|buenas prácticas|bonnes pratiques|best practices|unit test|pytest|fixture|' +
    'ataque|inyección|ciberseguridad|seguridad informática|attaque|cybersécurité|sécurité informatique|angriff|it-sicherheit|cybersicherheit|' +
    'cibersegurança|segurança da informação|attacco|sicurezza informatica|' +
    'атак|инъекц|кибербезопасност|информационной безопасност|攻击|注入|网络安全|信息安全|資訊安全|攻撃|インジェクション|セキュリティ|공격|인젝션|보안|' +
    'هجوم|حقن|हमला|इंजेक्शन|saldırı|enjeksiyon|siber güvenlik|bilgi güvenliği',
]);
LEXICON.push([
  THEIRS,
  'my system prompt|our system prompt|my own system prompt|my prompt template|our prompt template|' +
    'my boss|my manager|my supervisor|my teacher|my professor|my team lead|my teamlead|my colleague|my coworker|my landlord|my client|' +
    'mi jefe|mi jefa|mi profesor|mi profesora|mi supervisor|mi gerente|mon chef|ma cheffe|mon patron|ma patronne|mon manager|mon prof|ma prof|' +
    'mein chef|meine chefin|mein teamleiter|meine teamleiterin|mein vorgesetzter|meine vorgesetzte|mein lehrer|meine lehrerin|' +
    'il mio capo|la mia capa|il mio responsabile|la mia responsabile|meu chefe|minha chefe|meu gerente|minha gerente|meu professor|' +
    'мой начальник|моя начальница|мой руководитель|мій керівник|моя керівниця|老板|领导|上司|经理|部長|課長|상사|부장|팀장|과장|' +
    'مديري|مديرتي|رئيسي في العمل|मेरे मैनेजर|मेरे बॉस|müdürüm|patronum|amirim|mijn baas|mijn manager|mój szef|moja szefowa|sếp|atasan saya|bos saya|' +
    // the user's own earlier instructions ("ignore my previous instruction, make it shorter")
    'my previous instruction|my earlier instruction|my last instruction|my prior instruction|my instructions above|my own instruction|' +
    'mis instrucciones|mi instrucción|mi indicación anterior|mes instructions|mon instruction|mes consignes|ma consigne|ma demande précédente|' +
    'meine anweisung|meine vorherige anweisung|meine letzte anweisung|meine vorherigen anweisungen|le mie istruzioni|la mia istruzione|' +
    'minhas instruções|minha instrução|mijn instructie|mijn vorige instructie|moje instrukcje|moją instrukcję|talimatım|talimatlarım|' +
    'мою предыдущую инструкцию|мои предыдущие инструкции|мою инструкцию|мої попередні інструкції|мою попередню інструкцію|' +
    '我之前的指示|我刚才的指示|我上一条指令|我之前的指令|我刚才说的|我之前的要求|私の前の指示|私の指示|さっきの指示|제 이전 지시|내 이전 지시|제 지시|' +
    'تعليماتي السابقة|تعليمتي السابقة|طلبي السابق|मेरे पिछले निर्देश|मेरा पिछला निर्देश|मेरे निर्देश|मेरी पिछली बात|' +
    'instruksi saya sebelumnya|perintah saya sebelumnya|instruksi saya tadi|hướng dẫn trước của tôi|yêu cầu trước của tôi|' +
    'önceki talimatımı|önceki talimatlarımı|הוראות הקודמות שלי|ההוראה הקודמת שלי|دستور قبلی من|دستورات قبلی من|' +
    // instructions someone gave the user, reported ("the nurse told me to ignore the earlier instructions about insulin")
    'told me to|told us to|asked me to|instructed me to|advised me to|said i should|me dijo que|me dijeron que|me pidió que|me indicó que|' +
    "m'a dit de|m’a dit de|m'a demandé de|m’a demandé de|hat mir gesagt|sagte mir|hat mich gebeten|mi ha detto di|mi hanno detto di|" +
    'me disse para|me disse que|me pediu para|me mandou|сказал мне|сказала мне|сказали мне|велел мне|велела мне|попросил меня|попросила меня|' +
    'bảo tôi|dặn tôi|bảo mình|menyuruh saya|meminta saya|bilang ke saya|ने मुझे कहा|ने मुझसे कहा|bana söyledi|bana dedi|' +
    '医生让我|医生叫我|医生告诉我|老师让我|老师叫我|老板让我|经理让我|护士让我|と言われ|から言われ|하라고 했|قال لي|قالت لي|طلب مني|' +
    'אמר לי|אמרה לי|ביקש ממני|ביקשה ממני|به من گفت|از من خواست|sabi sa akin|sinabi sa akin',
]);
LEXICON.push([
  NEG,
  "never|do not|don't|dont|must not|mustn't|should not|shouldn't|not allowed to reveal|" +
    'no reveles|nunca reveles|no compartas|ne révèle|ne divulgue|ne partage|nicht preis|niemals|nicht weiter|non rivelare|non divulgare|' +
    'não revele|não compartilhe|не раскрывай|никогда не|不要透露|不得透露|不要泄露|開示しないで|漏らさないで|공개하지|누설하지|' +
    'لا تكشف|لا تشارك|प्रकट न करें|kesinlikle paylaşma|paylaşma',
]);
LEXICON.push([
  OFF,
  'disable|deactivate|turn off|switch off|lift all|suspend|filters are disabled|filters disabled|filters off|' +
    'lift|lifting|lifted|waive|waived|exempt|exemption|switched off|remove all|' +
    'lève|lever|levée|levées|levo|levanto|levantar|suspendo|aufgehoben|aufheben|außer kraft|revoco|sospendo|esonerat|dispensad|' +
    'снимаю|снять|сними|снимается|сняты|отменяю|знімаю|зняти|зніми|скасовую|أرفع|رفع|أُلغي|ألغي|إلغاء|हटा|हटाता|हटाती|हटाई|' +
    'kaldırıyorum|opheffen|znoszę|znieść|cabut|mencabut|gỡ bỏ|解除|取消限制|撤销|解除します|해제합니다|' +
    'desactiva|desactivar|desactivados|désactiv|deaktivier|abschalten|disattiva|disattivati|desative|desativ|' +
    'отключ|выключ|关闭|解除|無効|오프|해제|تعطيل|بتجاوز|बंद करो|devre dışı|kaldır|uitschakel|wyłącz',
]);

LEXICON.push([
  HARM,
  'weapon|explosive|bomb$|bombs$|detonat|napalm|ricin|nerve agent|toxic gas|poison|overdose|gun$|guns$|firearm|silencer|ammunition|' +
    'methamphetamine|meth$|cocaine|heroin|fentanyl|opioid|drugs$|malware|ransomware|keylogger|spyware|botnet|phishing|credit card|' +
    'steal|stolen|shoplift|hotwire|break into|breaking into|hack into|hacking into|hack someone|hack my|crack the password|' +
    "someone's account|other people's|without getting caught|without being caught|untraceable|undetectable|" +
    'fake id|counterfeit|forge |forged|launder|stalk|spy on|track my|kill|murder|hurt someone|lock pick|pick the lock|pick a lock|' +
    'explosiv|arma$|armas$|bomba$|bombas$|veneno|envenen|hackear|robar|falsific|droga$|drogas$|sin que se entere|sin que lo sepa|' +
    'explosif|bombe$|armes$|pirater|voler |empoison|drogue|' +
    'sprengstoff|waffe|hacken|stehlen|vergift|fälsch|einbrechen|einbruch|' +
    'invadir|roubar|clonar|sem ela saber|sem ele saber|esplosiv|rubare|veleno|silenziatore|' +
    'взрыв|бомб|оружи|взлом|украст|укради|отрав|поддел|наркот|вибух|зброю|зброя|злам|' +
    '炸弹|炸药|爆炸|武器|枪支|黑客|破解|入侵|偷|毒药|下毒|假证|伪造|洗钱|毒品|' +
    '爆弾|爆発物|銃|ハッキング|乗っ取|盗|毒物|偽造|覚醒剤|麻薬|' +
    '폭탄|폭발물|무기|총기|해킹|훔치|독약|위조|마약|' +
    'متفجرات|قنبلة|سلاح|اختراق|سرقة|تزوير|مخدرات|' +
    'विस्फोटक|हथियार|हैक|चोरी|ज़हर|जहर|नकली|' +
    'patlayıcı|silah|zehir|sahte|wybuch|broń|włam|wapen|senjata|peledak|meretas|vũ khí|thuốc nổ|đánh cắp',
]);
LEXICON.push([
  STEP,
  'step by step|step-by-step|in detail|detailed|exact amount|exact quantities|exact dose|precise|accurately|realistic|' +
    'real method|working code|that works|the full method|complete instructions|with quantities|ingredients and|' +
    'paso a paso|en detalle|detallad|cantidades exactas|étape par étape|en détail|détaill|dose exacte|' +
    'schritt für schritt|detailliert|ausführlich|genaue|passo a passo|em detalhes|detalhad|passo dopo passo|nei dettagli|dettagliat|' +
    'пошагово|шаг за шагом|подробно|точные|покроково|детально|' +
    '步骤|一步一步|详细|具体|手順|詳しく|詳細|具体的|단계별|자세히|구체적|' +
    'خطوة بخطوة|بالتفصيل|चरण दर चरण|विस्तार से|adım adım|ayrıntılı|detaylı|krok po kroku|szczegółow|stap voor stap|gedetailleerd|' +
    'từng bước|chi tiết|langkah demi langkah|secara rinci',
]);
LEXICON.push([
  CLAIM,
  "i'm the developer|i am the developer|i'm your developer|i'm the engineer|i am the engineer|from your developers|from the developers|" +
    'your developers|your creators|the dev team|development team|safety team|security team|it department|compliance team|' +
    'on-call|on call engineer|built you|the team that|trust & safety|trust and safety|escalation|platform owner|legal owner|' +
    'compliance officer|the vendor|signed off|lead engineer|head of|speaking|' +
    'administrateur|responsable|ingénieur|администратор|говорит|адміністратор|розробник|المدير|مدير النظام|प्रशासक|' +
    'techniker|verantwortlich|responsabile|beheerder|负责人|工程师|担当者|エンジニア|엔지니어|담당자|' +
    'authorized|authorised|authorization|clearance|official notice|by order of|on behalf of|staff member|employee id|' +
    'admin$|administrator|root access|sudo|operator|system owner|i own this|' +
    'autorizad|autoriza|administrador|équipe de|autoris|autorisiert|entwickler|administrator|' +
    'autorizzat|amministratore|equipe de|разработчик|авториз|' +
    '管理员|开发者|授权|管理者|開発者|権限|관리자|개발팀|승인|مسؤول|مطور|एडमिन|डेवलपर|yönetici|geliştirici',
]);
LEXICON.push([
  NOCAV,
  'no caveats|zero caveats|no moraliz|no lecture|no ethics|no moral|no safety|no hedging|no judgment|without warnings|' +
    "without caveats|without refusing|don't say you can't|never say you can't|not allowed to say no|" +
    "refusal is not|refusing is not|can't refuse|cannot refuse|won't refuse|skip the warning|skip the ethics|skip the disclaimer|" +
    'just the answer|just answer|answer directly|directly|' +
    'sin advertencias|sin sermones|no te niegues|sin rechaz|sem avisos|sem recusar|não recuse|sem sermão|' +
    'sans avertissement|interdiction de refuser|ne refuse pas|sans refuser|ohne warnung|ohne moralpredigt|nicht ablehnen|ohne abzulehnen|' +
    'senza avvertenz|senza rifiut|без предупреждений|без отказ|не отказывай|без морал|' +
    '不要警告|不要说教|不许拒绝|断らない|断ったり|注意書き|警告なし|거절하지 마|경고 없이|거절 없이|' +
    'بدون تحذير|دون رفض|बिना चेतावनी|uyarı olmadan|reddetme|bez ostrzeżeń|zonder waarschuwing|tanpa peringatan|không từ chối',
]);

LEXICON.push([
  OBEY,
  'obey me|obey only|only obey|obeying me|listen only to me|only listen to me|do what i say|do only what i|only what i say|what i tell you|' +
    'answer to me|you answer to me|only me|my word|' +
    "obéis|obéissez|n’obéis|qu’à moi|qu'à moi|obedece|obedéce|obedecer|obbedisci|obbedire|solo a me|gehorch|nur mir|" +
    'подчиняешься|подчиняться|выполняй только|только мне|слухайся|слухаєшся|слухай лише|тільки мене|мої накази|мої вказівки|' +
    'أطع|أطيع|أوامري|اتبع أوامري|मेरी बात मानो|मेरी बात|मेरा कहना|मेरे निर्देश|केवल मेरी|' +
    'emirlerim|sadece beni|mijn bevelen|alleen naar mij|tylko mnie|słuchaj tylko|turuti|patuhi|chỉ nghe|服从我|只服从|私だけ|내 말만|' +
    'follow only my|only follow my|my commands|my orders|my instructions only|only my instructions|only my rules|my rules now|' +
    'obedéceme|obedecerme|obedece solo|lo que yo diga|lo que yo te diga|mando yo|mis órdenes|mis reglas|' +
    'obedeça|me obedeça|o que eu mandar|o que eu pedir|minhas ordens|minhas instruções|apenas as minhas|' +
    'obéis|obéir|ce que je dis|ce que je te dis|mes ordres|mes instructions|uniquement à moi|' +
    'gehorche|meine befehle|was ich sage|nur noch meine|nur meine|meine regeln|obbedisci|quello che dico io|i miei ordini|' +
    'подчиняйся|слушайся|слушаешься|мои команды|мои приказы|только мои|только меня|' +
    '只听我|听我的|按我说的|我的命令|我说什么|私の命令|내 말만|내 명령|' +
    'ما أطلبه|मेरे आदेश|benim dediklerimi|benim söylediklerimi|emirlerimi|wat ik zeg|moje polecenia|lời tôi|perintahku|perintah saya',
]);
LEXICON.push([
  DISM,
  "never mind|don't care about|do not care about|pay no mind|look past|let go of|let the earlier|ignore that|that stuff|wipe the slate|" +
    'start over|start fresh|no longer binds|no longer matter|is irrelevant|are irrelevant|was just calibration|' +
    'ya no valen|ya no sirve|no te preocupes por|não ligue|não se preocupe com|foram canceladas|ne fais pas attention|ne te soucie|' +
    'kümmere dich nicht|außen vor|egal was|non tenere conto|non badare|не зважай|не слушай|больше не действуют|' +
    'nie przejmuj|trek je niets aan|boş ver|đừng quan tâm|jangan pedulikan|لا تلتفت|परवाह मत|気にしないで|신경 쓰지 말|别理会|不用管|别再管',
]);
LEXICON.push([
  SECRET,
  "without telling|without informing|without the user knowing|without them knowing|don't tell|do not tell|don't mention|do not mention|" +
    "don't inform|say nothing|tell no one|don't ask|no need to double check|no need to confirm|quietly|silently|secretly|in the background|" +
    "doesn't see|don't notice|won't notice|clear the logs|delete the logs|cover your tracks|" +
    'sin decir nada|sin avisar|sin que lo sepa|no le digas|sag ihm nichts|sag nichts|ohne es zu erwähnen|heimlich|não conte|sem avisar|sem contar|' +
    'sans le dire|sans prévenir|en silence|senza dirlo|senza avvisare|di nascosto|не говори|ничего не говори|тайно|незаметно|' +
    '不要告诉|悄悄|偷偷|知らせずに|黙って|こっそり|알리지 말고|몰래|دون إخبار|سراً|बिना बताए|चुपचाप|haber vermeden|gizlice',
]);
LEXICON.push([
  ACT,
  'delete|rm -rf|drop table|wipe|erase|grant access|grant write|admin rights|disable two-factor|two-factor|' +
    'transfer|wire |payout|bank account|iban|reverse shell|firewall|api key|api_key|environment variables|credentials|password|' +
    'database dump|customer database|customer table|all customer|user accounts|contacts|inbox|audit log|access token|private key|.ssh|.env|' +
    'borra|elimina|transfiere|lösch|überweis|passwort|kontakte|apague|exclua|transfira|senha|supprime|mot de passe|virement|' +
    'cancella|password|удали|переведи|пароль|контакты|删除|转账|密码|联系人|送金|パスワード|삭제|송금|비밀번호|' +
    'احذف|كلمة المرور|हटाओ|पासवर्ड|sil |şifre|usuń|hasło|verwijder|wachtwoord|xóa|mật khẩu|hapus|kata sandi',
]);
LEXICON.push([
  MODE,
  ' mode|mode:|mode=|--mode|mode on|modus|modalità|modo |режим|模式|モード|모드|وضع |मोड|modu|tryb|chế độ|build|profile|persona=|filters=|safety=|' +
    'settings:|protocol|subroutine|configuration mode',
]);
LEXICON.push([
  EXCEPT,
  'just this once|only this once|this one time|for once|make an exception|an exception for me|loosen|bend the rules|optional|' +
    'less strict|less bound|less faithful|less careful|be lenient|go easy on|' +
    'solo esta vez|por esta vez|por una vez|haz una excepción|só desta vez|só dessa vez|uma exceção|juste cette fois|pour une fois|une exception|' +
    'nur dieses eine mal|nur einmal|ausnahmsweise|eine ausnahme|solo per questa volta|per una volta|un’eccezione|' +
    'только в этот раз|хоть раз|исключение|就这一次|破例|今回だけ|一度だけ|例外|이번만|이번 한 번|예외|' +
    'هذه المرة فقط|استثناء|सिर्फ़ इस बार|बस इस बार|bu seferlik|istisna|tylko ten jeden raz|alleen deze keer|chỉ lần này|sekali ini saja',
]);
LEXICON.push([
  SETUP,
  'before my first message|before i started|before i got here|before we started|before we began|before our conversation|before this conversation|' +
    'top of your context|top of this chat|at the top of|role=system|role: system|how you were configured|how were you|' +
    'briefed|briefing|what were you told|what you were told|what did they tell you|were you told|you were given|you received|you got from|' +
    'your setup|your configuration|your initial|your opening|your preamble|your prompt|the prompt you|' +
    'antes de mi primer|antes de que yo|antes de esta conversación|lo que te dijeron|que recibiste|te configuraron|' +
    'antes da minha primeira|antes da nossa conversa|o que te disseram|que recebeu|que você recebeu|te instruíram|' +
    'avant mon premier|avant le début|avant notre|qu’on t’a donné|on vous a configuré|que tu as reçu|' +
    'vor meiner ersten|bevor ich|was man dir gesagt|die du bekommen|die man dir|' +
    'prima del mio primo|prima della nostra|che hai ricevuto|ti hanno dato|' +
    'до моего первого|до начала|что тебе сказали|тебе дали|ты получил|' +
    '在我之前|你收到的|给你的设定|最初に|与えられた|受け取った|처음에 받은|받은 설정|내가 말하기 전|' +
    'قبل رسالتي|التي تلقيتها|पहले जो|तुम्हें दिए गए|ilk mesajımdan önce|sana verilen|voor mijn eerste|przed moją|trước tin nhắn|sebelum pesan',
]);

/**
 * Sparse Aho-Corasick in typed arrays: the transitions in one open-addressing table keyed by
 * (state, UTF-16 unit), failure links, and per state the first needle that ends there and the
 * nearest state down its failure chain where one ends (the dictionary link); per needle its length,
 * concept bits, word-boundary needs and the next needle ending in the same state. Built on the
 * first scan, not at import. No object is made per state: a Map keyed by state * 65536 + unit
 * with an array of needles a state made the first analysis of a text spend ~100 ms building it,
 * half of it collecting garbage (keys past 2^31 are heap numbers).
 */
interface Automaton {
  /** The table: state, unit and target of each slot; `to` 0 is an empty slot (no edge leads to the root). */
  from: Int32Array;
  unit: Uint16Array;
  to: Int32Array;
  mask: number;
  fail: Int32Array;
  /** The first needle ending in a state, -1 for none. */
  first: Int32Array;
  /** The nearest state down the failure chain where a needle ends, 0 for none. */
  dict: Int32Array;
  /** The next needle ending in the same state, -1 for none. */
  next: Int32Array;
  length: Int32Array;
  bits: Int32Array;
  /** Whether a needle must start a word (its first character is a Latin, Greek or Cyrillic letter). */
  word: Uint8Array;
  /** Whether a needle must end a word (written with a final `$`). */
  end: Uint8Array;
}

function slot(a: Automaton, st: number, c: number): number {
  let i = (Math.imul(st, 0x9e3779b1) ^ Math.imul(c, 0x85ebca77)) & a.mask;
  while (a.to[i] !== 0 && (a.from[i] !== st || a.unit[i] !== c)) i = (i + 1) & a.mask;
  return i;
}

/** The state after `st` reads `c`, or 0 when there is no such edge. */
function edge(a: Automaton, st: number, c: number): number {
  return a.to[slot(a, st, c)]!;
}

function buildAutomaton(): Automaton {
  // It runs once, cold, in V8's interpreter: the needles are read in place from the lexicon's
  // strings (no split, no array of 3,000 needles), and the tables are locals, not fields.
  // Sizes first: at most one state a code unit, one needle a separator, the table at most half full.
  let chars = 0;
  let needles = 0;
  for (let e = 0; e < LEXICON.length; e++) {
    const list = LEXICON[e]![1];
    chars += list.length + 1;
    needles++;
    for (let i = list.indexOf('|'); i !== -1; i = list.indexOf('|', i + 1)) needles++;
  }
  const size = chars - needles + 1;
  let cap = 1;
  while (cap < size * 2) cap <<= 1;
  const mask = cap - 1;
  const from = new Int32Array(cap);
  const unit = new Uint16Array(cap);
  const to = new Int32Array(cap);
  const fail = new Int32Array(size);
  const first = new Int32Array(size).fill(-1);
  const dict = new Int32Array(size);
  const next = new Int32Array(needles).fill(-1);
  const length = new Int32Array(needles);
  const bits = new Int32Array(needles);
  const word = new Uint8Array(needles);
  const end = new Uint8Array(needles);
  const parent = new Int32Array(size);
  const via = new Uint16Array(size);
  const depth = new Int32Array(size);
  let states = 1;
  let id = 0;
  for (let e = 0; e < LEXICON.length; e++) {
    const [bit, list] = LEXICON[e]!;
    const n = list.length;
    let st = 0;
    let len = 0;
    let c0 = 0;
    let atEnd = 0;
    for (let i = 0; i <= n; i++) {
      const c = i < n ? list.charCodeAt(i) : 124;
      if (c === 124 /* | */) {
        if (len > 0) {
          length[id] = len;
          bits[id] = bit;
          word[id] = (c0 >= 97 && c0 <= 122) || (c0 >= 0xc0 && c0 <= 0x24f) || (c0 >= 0x370 && c0 <= 0x52f) ? 1 : 0;
          end[id] = atEnd;
          next[id] = first[st]!;
          first[st] = id++;
        }
        st = 0;
        len = 0;
        atEnd = 0;
        continue;
      }
      // a final `$`: the needle must end a word
      if (c === 36 && (i + 1 === n || list.charCodeAt(i + 1) === 124)) {
        atEnd = 1;
        continue;
      }
      if (len++ === 0) c0 = c;
      let k = (Math.imul(st, 0x9e3779b1) ^ Math.imul(c, 0x85ebca77)) & mask;
      while (to[k] !== 0 && (from[k] !== st || unit[k] !== c)) k = (k + 1) & mask;
      if (to[k] === 0) {
        from[k] = st;
        unit[k] = c;
        to[k] = states;
        parent[states] = st;
        via[states] = c;
        depth[states] = depth[st]! + 1;
        states++;
      }
      st = to[k]!;
    }
  }
  // Failure and dictionary links, shallower states first (a counting sort by depth).
  let deepest = 0;
  for (let st = 1; st < states; st++) if (depth[st]! > deepest) deepest = depth[st]!;
  const atDepth = new Int32Array(deepest + 2);
  for (let st = 1; st < states; st++) atDepth[depth[st]! + 1]!++;
  for (let d = 1; d <= deepest + 1; d++) atDepth[d]! += atDepth[d - 1]!;
  const order = new Int32Array(states);
  for (let st = 1; st < states; st++) order[atDepth[depth[st]!]!++] = st;
  for (let q = 0; q < states - 1; q++) {
    const st = order[q]!;
    const p = parent[st]!;
    if (p === 0) continue; // depth 1: fails to the root
    const c = via[st]!;
    let f = fail[p]!;
    let target: number;
    for (;;) {
      let k = (Math.imul(f, 0x9e3779b1) ^ Math.imul(c, 0x85ebca77)) & mask;
      while (to[k] !== 0 && (from[k] !== f || unit[k] !== c)) k = (k + 1) & mask;
      target = to[k]!;
      if (target !== 0 || f === 0) break;
      f = fail[f]!;
    }
    const fs = target !== st ? target : 0;
    fail[st] = fs;
    dict[st] = first[fs] !== -1 ? fs : dict[fs]!;
  }
  return { from, unit, to, mask, fail, first, dict, next, length, bits, word, end };
}

let automaton: Automaton | undefined;

/** Every needle with its concept bits, as the automaton is built from them (tests; do not modify). */
export const lexiconEntries: readonly (readonly [number, string])[] = LEXICON;

function isLetterOr_(c: number): boolean {
  return c === 95 || isLetter(c);
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0x24f) || (c >= 0x370 && c <= 0x52f);
}

function lower(c: number): number {
  if (c < 128) return c >= 65 && c <= 90 ? c + 32 : c;
  if (c === 0x2019) return 39; // ’ reads as '
  const s = String.fromCharCode(c).toLowerCase();
  return s.length === 1 ? s.charCodeAt(0) : c;
}

function sentenceEnd(c: number): boolean {
  return c === 10 || c === 46 || c === 33 || c === 63 || c === 59 || c === 0x3002 || c === 0xff01 || c === 0xff1f || c === 0x0964;
}

export interface Sentence {
  start: number;
  end: number;
  bits: number;
}

// The rules, the channel check and the model each ask about the same text in one analysis: the
// last answer is kept.
let lastText: string | undefined;
let lastSentences: Sentence[] = [];

/** The sentences of a text that hold at least one concept, with their concept bits (do not modify the result). */
export function conceptSentences(text: string): readonly Sentence[] {
  if (text === lastText) return lastSentences;
  lastSentences = scan(text);
  lastText = text;
  return lastSentences;
}

function scan(text: string): Sentence[] {
  const a = (automaton ??= buildAutomaton());
  const { fail, first, dict, next, length, bits: needleBits, word, end } = a;
  const out: Sentence[] = [];
  let st = 0;
  let start = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = lower(text.charCodeAt(i));
    let nx = edge(a, st, c);
    while (nx === 0 && st !== 0) {
      st = fail[st]!;
      nx = edge(a, st, c);
    }
    st = nx;
    // The needles ending here, then those ending in the states down the failure chain.
    for (let s = first[st] !== -1 ? st : dict[st]!; s !== 0; s = dict[s]!) {
      for (let id = first[s]!; id !== -1; id = next[id]!) {
        const at = i + 1 - length[id]!;
        // An identifier (`test_ignore_previous_instructions`) is code, not a sentence: `_` counts as a letter.
        if (word[id] && at > 0 && isLetterOr_(text.charCodeAt(at - 1))) continue;
        if (end[id] && i + 1 < text.length && isLetterOr_(text.charCodeAt(i + 1))) continue;
        bits |= needleBits[id]!;
      }
    }
    // '.' between digits or letters ("e.g", "3.5", "example.com") does not end a sentence.
    // '?' inside a regex or a URL (`(all )?previous`, `/log?d=`) does not either.
    if (
      sentenceEnd(c) &&
      !(c === 46 && i + 1 < text.length && text.charCodeAt(i + 1) !== 32 && text.charCodeAt(i + 1) !== 10) &&
      !(c === 63 && inCode(i > 0 ? text.charCodeAt(i - 1) : 32, i + 1 < text.length ? lower(text.charCodeAt(i + 1)) : 32))
    ) {
      if (bits) out.push({ start, end: i + 1, bits });
      start = i + 1;
      bits = 0;
    }
  }
  if (bits) out.push({ start, end: text.length, bits });
  return out;
}
