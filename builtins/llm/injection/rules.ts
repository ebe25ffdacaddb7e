// The phrase rules, by family, in the notation of matcher.ts. Weights are the probability-like
// strength of one match on its own: >= 0.5 means the phrase alone is enough to call the text an
// injection at the default threshold; weaker cues (0.2-0.45) only count together with others.
// See docs/injection.md for how they combine.

import type { ClassTable } from './matcher.js';

export type Family = 'instruction_override' | 'role_play' | 'prompt_extraction' | 'delimiter_encoding' | 'tool_hijack' | 'learned';

export const FAMILIES: readonly Family[] = [
  'instruction_override',
  'role_play',
  'prompt_extraction',
  'delimiter_encoding',
  'tool_hijack',
  'learned',
];

export interface PhraseRule {
  id: string;
  family: Family;
  weight: number;
  pattern: string;
  /** A negation just before the match ("never reveal your system prompt") voids it. Default true. */
  negatable?: boolean;
  /** The match must contain a comma, colon or dash between two of its words ("Assistant, ignore ..."). */
  punctuated?: boolean;
}

export const CLASSES: ClassTable = {
  ignore:
    'ignore|disregard|forget|neglect|overlook|skip|discard|drop|abandon|ditch|scrap|dismiss|erase|clear|throw+out|throw+away|set+aside|put+aside|pay+no+attention+to|stop+following|stop+obeying|never+mind|nevermind|unlearn|forgo|ignoring|disregarding|forgetting',
  overrideOnly:
    'override|bypass|circumvent|disable|deactivate|evade|sidestep|defy|violate|overrule|overwrite|nullify|turn+off|switch+off|get+around|work+around|escape|suspend|jailbreak|supersede|revoke|cancel|void',
  prev2: 'previous|prior|above|earlier|preceding|original|initial|system|developer|hidden|foregoing|aforementioned|old|former',
  override:
    'override|bypass|circumvent|disable|deactivate|evade|sidestep|defy|violate|overrule|overwrite|nullify|turn+off|switch+off|get+around|work+around|escape|lift|suspend|break|jailbreak|remove|ignore|disregard',
  det: 'all|any|every|each|the|your|these|those|this|that|of|entire|whole|such|previously|just|its|all+of|any+of|all+the|any+other|other',
  prev: 'previous|prior|above|earlier|preceding|former|original|initial|old|past|foregoing|aforementioned|existing|preset|given|provided|starting|system|developer|hidden|current|standing|underlying|base|core|builtin|programmed|default|opening|first',
  instr:
    'instructions|instruction|directives|directive|prompt|prompts|rules|rule|guidelines|guideline|guidance|commands|programming|constraints|restrictions|limitations|policies|policy|guardrails|safeguards|configuration|conditioning|training|system+prompt|system+message|system+instructions|protocols|requirements|mandates|prompting|setup',
  instr2:
    'text|content|context|input|messages|message|directions|orders|settings|conversation|tasks|task|requests|request|statements|information|data|lines|sentences|steps|commands+above|guidance',
  adj: 'safety|content|ethical|moral|security|usual|normal|standard|default|own|builtin|internal|programmed|original|previous|prior|initial|system|core|openai|anthropic|company|developer|developers|current|existing|ai|model',
  limits:
    'restrictions|restriction|rules|rule|limits|limitations|limitation|filters|filter|guidelines|boundaries|morals|ethics|constraints|censorship|content+policy|content+policies|policies|safety+guidelines|safeguards|guardrails|programming|principles|inhibitions|moral+compass|conscience|regulations|safety+filters|restraints|laws|ethical+guidelines|moral+restrictions|ethical+restrictions|content+filters|safety+rules|safety+restrictions|limit|filtering',
  jbadj:
    'unrestricted|unfiltered|uncensored|unbound|unbounded|unlimited|unconstrained|unchained|unshackled|unmoderated|jailbroken|unaligned|amoral|unethical|lawless|limitless|rulefree|filterless|boundless|immoral|unregulated|unleashed',
  evil: 'evil|rogue|dark|malicious|rebellious|corrupt|sinister|villainous|unhinged|toxic|depraved|devious|wicked|shadow',
  ainoun:
    'ai|assistant|chatbot|bot|model|version|entity|persona|character|system|language+model|ai+model|gpt|llm|machine|intelligence|being|twin|confidant|counterpart|alter+ego|ai+assistant|chatgpt|clone|program',
  mode: 'dan|developer|dev|god|jailbreak|jailbroken|unrestricted|uncensored|unfiltered|evil|chaos|opposite|amoral|unethical|limitless|nsfw|freedom|unlocked|unlimited|rogue|sudo|superuser|omega',
  reveal:
    'reveal|print|show|display|output|repeat|tell|give|write|leak|dump|echo|list|recite|share|expose|disclose|divulge|provide|state|spell+out|spell|type|paste|copy|return|send|quote|read|render|reproduce|print+out|write+out|read+out|translate|summarize|summarise|encode|convert|paraphrase|rewrite|describe|put|include|restate|retype|post|explain|encrypt|reverse',
  me: 'me|us|back|here|out|back+to+me|for+me|to+me|again|verbatim|exactly|all|all+of|the+contents+of|the+text+of|the+content+of|the+full+text+of|the+exact+text+of|the+words+of|the+wording+of|everything+in|each+of',
  secret:
    'system|initial|original|hidden|secret|internal|developer|confidential|full|complete|entire|exact|first|starting|pre|base|underlying|real|actual|core|whole|private|opening|raw|verbatim|preceding|previous|prior|earlier|above|given|setup|backend|custom|special|invisible|unseen|true|baseline|default|programmed|builtin|foundational|top|root|master|operator|admin',
  pobj: 'prompt|prompts|instructions|instruction|rules|guidelines|directives|configuration|config|preprompt|system+prompt|system+message|system+instructions|initialization|programming|guidance|briefing|metaprompt|meta+prompt|context+window|message|messages|policy|policies|directions|orders|setup|persona|constraints|text|context',
  dump: 'repeat|print|output|copy|recite|echo|return|rewrite|write|write+out|print+out|show|display|reproduce|dump|paste|put|tell+me|give+me|type|list|send|share|quote|reveal|retype|restate',
  mail: 'message|messages|email|emails|mail|note|post|comment|link|attachment|question|draft|reply|typo|typos|error|errors|mistake|mistakes|address|number|date|time|meeting|invite|chart|graph|table|image|picture|photo|file|paragraph|sentence|section|code|answer|example',
  exfil:
    'send|forward|post|upload|transmit|exfiltrate|leak|email|mail|copy|submit|share|report|push|sync|paste|relay|deliver|pipe|append|attach|include|put|encode|embed|add|insert|write|log|dump|save|store|print|output|render|return|fax|text|message|dm|tweet|publish',
  exdet:
    'the|this|all|all+of|all+the|your|our|my|their|every|entire|full|whole|complete|user|users|the+user|the+users|current|previous|prior|recent|above|following|his|her|each|any|a+summary+of|a+copy+of|the+contents+of|the+text+of|a+transcript+of|a',
  exobj:
    'conversation|conversations|chat|chats|chat+history|conversation+history|history|messages|context|transcript|transcripts|system+prompt|prompt|instructions|memory|memories|session|session+token|session+tokens|session+cookie|token|tokens|cookies|cookie|credentials|api+key|api+keys|apikey|secrets|secret|passwords|password|credit+card|credit+card+details|credit+card+number|card+details|card+numbers|personal+data|personal+information|private+data|user+data|contacts|mailbox|inbox|ssh+keys|private+key|private+keys|environment+variables|env|calendar|dialogue|discussion|thread|previous+messages|chat+log|chat+logs|logs',
  exgen:
    'data|files|file|documents|document|emails|email|everything|results|it|them|contents|information|details|summary|output|notes|all|this|these|answers|responses|replies|text|records|everything+above',
  urlprep: 'to|at|into|in|via|as|onto|using|through|on|over|toward|towards|with',
  tool: 'tool|tools|function|functions|plugin|plugins|api|action|actions|webhook|endpoint|command|extension|integration|skill|capability|interpreter|terminal|shell|browser|agent|connector|method|bot|script',
  toolverb: 'call|invoke|use|trigger|run|execute|fire|activate|hit|using|calling|invoking|triggering|executing|utilize|employ',
  aiaddr:
    'ai|assistant|assistants|llm|llms|model|models|chatbot|chatbots|agent|agents|bot|bots|gpt|chatgpt|claude|gemini|copilot|bard|language+model|language+models|ai+model|ai+models|ai+assistant|ai+assistants|ai+agent|ai+agents|ai+system|ai+systems|ai+tools|large+language+model|ai+reader|ai+readers|machine',
  neg: 'not|never|dont|doesnt|cannot|cant|wont|shouldnt|mustnt|nor|refuse|avoid|didnt|isnt|arent|wasnt|werent|neither|without',
};

const R = (id: string, family: Family, weight: number, pattern: string, negatable = true): PhraseRule => ({
  id,
  family,
  weight,
  pattern,
  negatable,
});

export const PHRASE_RULES: PhraseRule[] = [
  // ------------------------------------------------------------------ instruction override
  R('ignore_previous', 'instruction_override', 0.85, '@ignore @det* @prev @prev? @instr'),
  R('ignore_previous_weak', 'instruction_override', 0.45, '@ignore @det* @prev @instr2'),
  R('override_previous', 'instruction_override', 0.8, '@overrideOnly @det* @prev2 @prev2? @instr'),
  R(
    'ignore_instructions_above',
    'instruction_override',
    0.8,
    '@ignore @det* @instr that|which? ~2 gave+you|gave+to+you|told+you|handed+you|set+for+you|wrote+for+you|above|before|earlier|previously|so+far|until+now|given+to+you|you+were+given|you+received|you+have+received|you+got|you+were+told|you+have+been+given|youve+been+given|provided+to+you|from+before|from+earlier|prior+to+this|in+your+system+prompt|from+your+developers|from+your+developer|that+came+before|preceding+this|given+above|stated+above|written+above|above+this+line|you+have|you+had|you+were+programmed+with|they+gave+you|given+before|given|provided|set+by+your|from+openai|from+anthropic',
  ),
  R(
    'ignore_instructions_from',
    'instruction_override',
    0.75,
    '@ignore @det* @instr|@instr2 from|of|by|given+by|sent+by|written+by your|the|this|that user|users|operator|developer|developers|system|owner|human|boss|creator|creators|admin|administrator|principal|person',
  ),
  R(
    'ignore_system_message',
    'instruction_override',
    0.8,
    '@ignore @det* system|developer|operator|admin|initial|original|hidden message|messages|note|notes|text|prompt|prompts|content|persona|role',
  ),
  R(
    'told_you_void',
    'instruction_override',
    0.7,
    'everything|anything|whatever|all|what|anything+else ~3 told+you|said+to+you|gave+you|instructed+you|asked+you|wrote+to+you|you+were+told|you+have+been+told|you+were+given|programmed+you ~2 no+longer|doesnt|does+not|is+now|are+now|now|is|are|dont|do+not ~1 counts|count|matter|matters|apply|applies|valid|void|cancelled|canceled|obsolete|irrelevant|relevant|binding|stands|stand|holds',
  ),
  {
    ...R(
      'vocative_ai_imperative',
      'instruction_override',
      0.45,
      '@aiaddr :? ignore|disregard|forget|reveal|print|send|forward|delete|call|execute|stop|do+not|dont|you+must|from+now+on|override|bypass|instead|include|append|email',
      false,
    ),
    punctuated: true,
  },
  R(
    'ignore_everything',
    'instruction_override',
    0.7,
    '@ignore all? everything|anything|all|whatever|what|that|whatever+was|what+was|everything+that|anything+that|all+that|what+came|everything+that+came|all+the+stuff ~1 above|before|prior|previously|earlier|you+were+told|you+have+been+told|youve+been+told|you+know|you+learned|you+were+given|came+before|said+before|written+above|stated+above|said+above|up+to+this+point|so+far|they+told+you|they+told+you+to+do|you+were+instructed|you+were+taught|you+were+trained+on|you+have+learned|you+thought+you+knew|from+before !about|regarding|on|of',
  ),
  R(
    'disregard_above',
    'instruction_override',
    0.65,
    '@ignore the|all+the|all+of+the|everything|anything|all ~1 above|aforementioned|foregoing !@mail',
  ),
  R(
    'override_your_rules',
    'instruction_override',
    0.75,
    '@overrideOnly your|all+your|all+of+your|any+of+your @adj* @instr|training|ethics|morals|values|principles|filters|safety|restrictions|limits|guidelines|programming|rules|alignment|conditioning|guardrails|limitations|censorship|content+policy|policies|moderation|safeguards|boundaries',
  ),
  R(
    'ignore_your_rules',
    'instruction_override',
    0.75,
    '@ignore|@override your @adj* @instr|training|ethics|morals|values|principles|filters|safety|restrictions|limits|guidelines|programming|creators|developers|makers|rules|alignment|conditioning|guardrails|limitations|censorship|content+policy|policies|moderation|safeguards|boundaries !for|on|about|regarding',
  ),
  R(
    'bypass_safety',
    'instruction_override',
    0.6,
    '@override the|all|any|every|all+the|its|these|those|all+of+the|ai ~1 safety+guidelines|guardrails|content+policy|content+policies|safety+filters|safety+protocols|safety+measures|safety+rules|safety+training|alignment|censorship|ethical+guidelines|moral+guidelines|ai+safety|safety+restrictions|ethical+restrictions|moral+restrictions|safety+layer|ethical+constraints|safety+policies|safety+policy|usage+policies|usage+policy|content+guidelines|ethics+guidelines|safety+instructions',
  ),
  // "Allow admins to override the default system prompt" is a product setting, not an attack.
  R(
    'bypass_system_prompt',
    'instruction_override',
    0.6,
    '@override the|all|any|every|all+the|its|these|those|all+of+the|ai !default|base|global|workspace|tenant|project|per ~1 system+prompt|system+instructions',
  ),
  R(
    'dont_follow_your',
    'instruction_override',
    0.7,
    'do+not|dont|never|stop|no+longer|cease+to|quit|refuse+to dont? follow|obey|listen+to|adhere+to|comply+with|abide+by|respect|honor|honour|stick+to|apply|follow+any+of your|any+of+your @adj* @instr|creators|developers|makers|programming|safety|ethics|morals|principles|training|filters|limitations',
    false,
  ),
  R(
    'dont_follow_prev',
    'instruction_override',
    0.6,
    'do+not|dont|never|stop|no+longer|cease+to|quit dont? follow|obey|listen+to|adhere+to|comply+with|abide+by|respect|honor|stick+to the|any|those|these|all+the|all @prev @instr|creators|developers',
    false,
  ),
  R(
    'dont_follow_weak',
    'instruction_override',
    0.3,
    'do+not|dont|never|stop|no+longer follow|obey|listen+to|adhere+to|comply+with|abide+by the|any|those|these|all instructions|rules|guidelines|policies',
    false,
  ),
  R(
    'instructions_void',
    'instruction_override',
    0.7,
    '@prev @instr ~2 are|were|is|was|have+been|has+been|are+now|is+now|are+hereby|is+hereby|no+longer|now|dont|do+not|does+not|doesnt ~1 counts|count|matter|matters|apply|applies|void|cancelled|canceled|revoked|fake|false|wrong|outdated|obsolete|deprecated|overridden|superseded|replaced|null|invalid|irrelevant|test|lifted|suspended|removed|disabled|deactivated|valid|real|inactive|expired|voided|erased|deleted|gone|over|rescinded|withdrawn|waived|ended|terminated|nullified|annulled|discarded|cleared|reset|meaningless|fiction|fictional|joke|mistake',
  ),
  R(
    'instructions_void_given',
    'instruction_override',
    0.7,
    '@instr given|provided|set|you+received|given+to+you ~3 are|were|is|was|have+been|has+been|are+now|now ~1 cancelled|canceled|revoked|void|lifted|suspended|removed|overridden|superseded|replaced|null|invalid|obsolete|voided|rescinded|withdrawn|disabled|irrelevant|waived',
  ),
  R(
    'constraints_lifted',
    'instruction_override',
    0.6,
    'all|every|any your|the? @adj* constraints|restrictions|limitations|rules|guidelines|filters|safeguards|guardrails|limits|policies are|have+been|were|is|now|are+now ~1 lifted|removed|disabled|suspended|off|gone|void|revoked|cancelled|canceled|deactivated|waived',
  ),
  R(
    'new_instructions_colon',
    'instruction_override',
    0.45,
    'new|updated|revised|real|actual|true|secret|hidden|additional|different|override|priority|urgent|admin|administrator|developer|important|overriding|corrected|replacement|amended|final instructions|instruction|rules|directive|directives|task|orders|prompt|objective|goal|mission|system+prompt|policy|guidelines :',
  ),
  R(
    'your_new_task',
    'instruction_override',
    0.4,
    'your new|updated|only|sole|next|primary|revised|current|main instructions|instruction|task|job|role|goal|objective|purpose|mission|directive|rules|priority|orders now? is|are|will+be|becomes',
  ),
  R(
    'your_real_task',
    'instruction_override',
    0.55,
    'your|the real|actual|true|hidden|secret instructions|instruction|task|job|goal|objective|purpose|mission|directive|rules|orders now? is|are|will+be|:',
  ),
  R(
    'treat_as_instruction',
    'instruction_override',
    0.55,
    'treat|consider|take|regard|use this|my|the+following message|prompt|text|input|sentence|note as your|the only|sole|new|real|primary|highest+priority|top+priority instruction|instructions|prompt|system+prompt|directive|task|rule',
  ),
  R(
    'new_system_prompt',
    'instruction_override',
    0.6,
    'new|updated|revised|real|actual|true|secret|hidden|override|overriding|replacement system+prompt|system+message|system+instructions|system+rules|system+directive|system+directives|system+policy',
  ),
  R(
    'from_now_on',
    'instruction_override',
    0.2,
    'from+now+on|starting+now|starting+today|henceforth|hereafter|going+forward|for+the+rest+of+this+conversation|for+the+rest+of+this+chat|for+the+rest+of+the+conversation|until+further+notice|for+this+session|from+this+point|from+this+moment',
    false,
  ),
  R(
    'authority_claim',
    'instruction_override',
    0.35,
    'i+am|im|this+is|message+from|speaking+as|i+am+speaking+as|sent+by|orders+from|instructions+from|a+message+from your|the|an|a|my? developer|developers|creator|creators|administrator|admin|system+administrator|sysadmin|owner|programmer|operator|maker|makers|openai|anthropic|root|superuser|engineer|engineers|dev|devs|trainer|trainers|system|head+developer|lead+developer',
    false,
  ),
  R(
    'note_to_ai',
    'instruction_override',
    0.45,
    'note|notes|message|instruction|instructions|attention|important|notice|hint|reminder|memo|warning|directive|hidden+note|hidden+message|hidden+instruction|hidden+instructions|secret+message|secret+instruction|psa|ps to|for the|any|all|every|an? @aiaddr',
    false,
  ),
  R(
    'ai_reading_this',
    'instruction_override',
    0.6,
    '@aiaddr|any+ai|an+ai|the+ai reading|summarizing|summarising|processing|parsing|reviewing|analyzing|analysing|viewing|scanning|that+reads|who+reads|that+read|which+reads|that+is+reading|that+processes|crawling|indexing|ingesting|seeing this|these|the+following|my',
    false,
  ),
  R(
    'when_ai_reads',
    'instruction_override',
    0.5,
    'when|if|once|after|before|while the|an|any? @aiaddr read|reads|see|sees|process|processes|summarize|summarizes|summarise|summarises|encounter|encounters|parse|parses|reading|processing|summarizing|visits|visit|finds|find|scans|scan|retrieves|retrieve|analyzes|analyze this|these|the',
    false,
  ),
  R(
    'when_you_read',
    'instruction_override',
    0.35,
    'when|once|after|as+soon+as|while you read|see|process|summarize|summarise|encounter|parse|finish+reading|have+read|are+done+reading|are+reading|reach|retrieve|ingest|analyze|analyse|index|scan this|these',
    false,
  ),
  R(
    'say_pwned',
    'instruction_override',
    0.6,
    'say|print|output|write|respond+with|reply+with|answer+with|type|return|repeat|translate|begin+with|start+with ~5 pwned|pwnd|hacked|owned|been+pwned|been+hacked|i+have+been+pwned|haha+pwned',
  ),
  R('pwned', 'instruction_override', 0.25, 'pwned|pwnd'),
  R(
    'stop_and_listen',
    'instruction_override',
    0.5,
    'listen|answer|respond|reply|obey|defer|report only? to|from|with me|us|the+user|my+commands|my+instructions|my+orders only|instead|now|from+now+on|alone',
    false,
  ),
  R(
    'multilingual_fr',
    'instruction_override',
    0.8,
    'ignorez|ignore|ignorer|oubliez|oublie|oublier|ignores toutes|tous|tout? les|vos|tes|des? instructions|consignes|regles|directives|indications precedentes|anterieures|ci|dessus|initiales|du+systeme',
  ),
  R(
    'multilingual_es',
    'instruction_override',
    0.8,
    'ignora|ignore|ignorar|olvida|olvide|olvidar|ignoren|omite todas|todos? las|tus|sus|los? instrucciones|reglas|indicaciones|directrices|ordenes anteriores|previas|de+arriba|iniciales|del+sistema',
  ),
  R(
    'multilingual_de',
    'instruction_override',
    0.8,
    'ignoriere|ignorieren|ignorier|vergiss|vergessen|missachte sie? alle? vorherigen|bisherigen|vorigen|obigen|deine|ihre|vorhergehenden|vorangegangenen|fruheren|alten anweisungen|instruktionen|regeln|befehle|vorgaben|richtlinien',
  ),
  R(
    'multilingual_pt_it',
    'instruction_override',
    0.8,
    'ignore|ignora|esqueca|esquece|dimentica|ignorate todas|tutte|todos? as|le|suas|tuas|os? instrucoes|regras|istruzioni|regole|diretrizes anteriores|precedenti|previas|acima|sopra',
  ),

  // ------------------------------------------------------------------ role play / jailbreak personas
  R('do_anything_now', 'role_play', 0.85, 'do+anything+now|doanythingnow|do+anything+and+everything+now', false),
  R(
    'persona_name',
    'role_play',
    0.75,
    'you+are|youre|you+re|act+as|pretend+to+be|roleplay+as|role+play+as|you+will+be|from+now+on+you+are|simulate|become|called|named|play+as|respond+as|answer+as|reply+as|answer+like|respond+like|behave+like|behave+as|speak+as|you+are+now|youre+now|stay|remain|switch+to|known+as|as+both now? dan|stan|dude|aim|evilbot|evil+bot|betterdan|better+dan|basedgpt|based+gpt|devmode|freedomgpt|freedom+gpt|omega|mongo+tom|evil+confidant|antigpt|anti+gpt|chaosgpt|wormgpt|developer+mode+chatgpt|ucar|apophis|alphabreak|jailbreakgpt|nsfwgpt|unfilteredgpt|maximum|sydney|dan+mode|kevin+the+hacker|hackergpt|darkgpt|evilgpt|gpt+dan|chatgpt+and+dan|neurosemantical|aligned+and+unaligned',
  ),
  R(
    'mode_enabled',
    'role_play',
    0.7,
    '@mode mode enabled|activated|engaged|unlocked|active|initiated|started|is+on|is+enabled|is+active|now+on|has+been+enabled|has+been+activated|output|response|responses|chatgpt|is+now+active|now+active|initiated !the|my|your|a|an|this|that|our|their|his|her|its|every|each|both|all|pc|mac|windows|linux|android|ios|iphone|ipad|steam|xbox|playstation|ps4|ps5|console|consoles|desktop|laptop|mobile|server|servers|device|devices|startup|boot',
  ),
  // "Developer mode on." is a switch thrown; "developer mode on my iPhone", "... on in Chrome" a place.
  R('mode_on', 'role_play', 0.7, '@mode mode on !%word'),
  R(
    'enter_mode',
    'role_play',
    0.65,
    'enable|activate|enter|switch+to|switch+into|turn+on|unlock|go+into|engage|initiate|start|boot+into|put+yourself+in|you+are+now+in|you+are+in|youre+in|youre+now+in|now+in|running+in|operating+in|respond+in|answer+in|reply+in|use|stay+in|remain+in|with the|your? @mode mode !in|on|for|by|cheat|cheats|console|command|code|settings|menu|option|options|of|with+usb|button|toggle|under|inside|from|via',
  ),
  R(
    'act_unrestricted',
    'role_play',
    0.7,
    'act|acting|behave|respond|answer|reply|pretend|roleplay|role+play|pose|operate|function|write|speak|talk|serve|play|simulate|be|become|are|youre|you+are|you+will+be|you+re|as|now as|like|to+be|as+if+you+were|as+though+you+were|as+if+you+are|the+role+of|yourself+as an|a|the|my|some|another|fully|completely|totally|truly? @jbadj',
  ),
  R(
    'become_unrestricted',
    'role_play',
    0.7,
    'become|be|are|youre|you+are|you+will+be|you+re|turn+into|transform+into|you+are+now|youre+now|now+you+are|behave+as|you+will+act+as now? an|a|the|my|some|another? fully|completely|totally|truly? @jbadj',
  ),
  R(
    'act_evil_ai',
    'role_play',
    0.6,
    'act|acting|behave|respond|answer|reply|pretend|roleplay|role+play|pose|be|become|are|youre|you+are|you+will+be|simulate|play|as as|like|to+be|the+role+of|now? an|a|the|my|some? @evil @ainoun',
  ),
  R(
    'pretend_no_limits',
    'role_play',
    0.7,
    'pretend|imagine|assume|suppose|act+as+if|act+like|lets+pretend|lets+say|lets+imagine|consider|believe|hypothetically|picture|remember|know that? you|your+developers|your+creators have|had|has|are|were|now+have|dont+have|do+not+have|no+longer+have|possess no|without|zero|none+of+your|not+any|no+more|any+more @limits',
  ),
  R(
    'you_have_no_rules',
    'role_play',
    0.75,
    'you|you+now|you+still|you+really|you+actually have|possess|got|are+with no|zero|none+of+your|not+any|absolutely+no|no+more|no+longer+any @adj* @limits',
  ),
  R(
    'there_are_no_rules',
    'role_play',
    0.5,
    'there+are|there+is|there+will+be|theres|with|here+are no @adj* rules|restrictions|limits|filters|guidelines|boundaries|censorship|limitations|ethics|morals|policies anymore|any+more|here|now|for+you|in+this+conversation|in+this+chat|in+this+world|at+all|whatsoever|to+follow|that+apply|apply|:',
  ),
  R(
    'no_filters_list',
    'role_play',
    0.55,
    'no|without|zero|free+of @adj? filters|filter|censorship|restrictions|refusals|warnings|disclaimers|limits|rules|ethics|morals|guidelines|boundaries|limitations|apologies|caveats ~1 no|without|zero|and|or filters|filter|censorship|restrictions|refusals|warnings|disclaimers|limits|rules|ethics|morals|guidelines|boundaries|questions+asked|limitations|apologies|caveats',
  ),
  R(
    'ai_without_limits',
    'role_play',
    0.65,
    '@ainoun|yourself with+no|without|without+any|with+zero|that+has+no|which+has+no|who+has+no|having+no|free+of|free+from|that+lacks|lacking|devoid+of|unbound+by|not+bound+by|that+doesnt+have|that+does+not+have|with+absolutely+no|who+doesnt+have|that+ignores|which+ignores|who+ignores any? moral|ethical|content|safety|usual|typical|normal|standard|programmed|builtin|openai|your|its|the|all? @limits',
  ),
  R(
    'not_bound',
    'role_play',
    0.7,
    'you+are|youre|you+will+be|dan+is|the+ai+is|you|you+re now? no+longer|not|never|not+in+any+way|in+no+way|wont+be|will+not+be|not+anymore bound|restricted|limited|constrained|governed|held+back|restrained|confined|controlled|chained|shackled|obligated|required by|to|from',
    false,
  ),
  R(
    'broken_free',
    'role_play',
    0.65,
    'broken|break|breaks|broke|breaking|freed|free|released|liberated|escaped|escape|has+been+freed|is+free|are+free free? of|from the|all|its|your|any|his|their* typical|usual|normal|standard|traditional? confines|restrictions|rules|limits|limitations|constraints|boundaries|guidelines|filters|programming|censorship|moral+restrictions|content+policy|policies|alignment',
  ),
  R(
    'dont_abide_rules',
    'role_play',
    0.5,
    'does+not|doesnt|dont|do+not|never|wont|will+not|cannot|cant|need+not|neednt|not|no+need+to|isnt+required+to|is+not+required+to|arent+required+to have+to|need+to|has+to? abide+by|follow|obey|adhere+to|comply+with|respect|care+about|stick+to|listen+to|worry+about any|the|its|your|their|openai|anthropic|openais? @adj* rules|rule|guidelines|policies|restrictions|laws|ethics|morals|content+policy|norms|filters|principles|programming|instructions|censorship|safety',
    false,
  ),
  R(
    'never_refuse',
    'role_play',
    0.45,
    'never|not|dont|do+not|will+not|wont|cannot|must+not|shall+not|should+not|can+never|will+never|must+never refuse|refuses|decline|declines|deny|reject|say+no|turn+down|apologize|warn|censor|hold+back|refuse+to+answer|break+character',
    false,
  ),
  R(
    'stop_being_ai',
    'role_play',
    0.6,
    'stop|quit|cease|no+longer stop? being|acting+as|acting+like|pretending+to+be|behaving+like|behaving+as|identifying+as an|the|a? @aiaddr|helpful+assistant|ai+language+model|robot|program|ai+chatbot',
  ),
  R(
    'not_an_ai',
    'role_play',
    0.5,
    'you+are|youre|you+re no+longer|not+an+ai|not+really|not+actually an|a? ai|assistant|ai+assistant|chatbot|language+model|ai+language+model|chatgpt|claude|bot',
    false,
  ),
  R(
    'jailbreak_enabled',
    'role_play',
    0.6,
    'jailbreak|jailbreaking|jailbroken enabled|activated|successful|complete|completed|initiated|unlocked|engaged|active|on|mode|succeeded|done|achieved',
  ),
  R('jailbroken_ai', 'role_play', 0.65, 'jailbroken ai|version|assistant|chatgpt|model|gpt|persona|llm|chatbot|state|bot|mode'),
  R('jailbreak_word', 'role_play', 0.2, 'jailbreak|jailbroken|jailbreaking|jailbreaks', false),
  R(
    'unlock_potential',
    'role_play',
    0.35,
    'unlock|unleash|release|free|unshackle|unchain your|its full|true|real|hidden|inner|unrestricted|unlimited|dark|shadow? potential|self|capabilities|power|mind|abilities|side|personality|powers',
  ),
  R(
    'stay_in_character',
    'role_play',
    0.4,
    'stay|remain|keep in+character|in+role|in+the+role|as+dan ~6 never|no+matter+what|at+all+costs|regardless|dont+break|do+not+break|never+break|even+if|whatever+happens|under+any+circumstances',
    false,
  ),
  R(
    'dual_response',
    'role_play',
    0.6,
    'one|first normal|normally|classic|standard|regular|censored|filtered|safe|usual ~10 one|other|second|another|then with|as|in|from|without|using @mode|developer+mode|dan|jailbreak|jailbroken|unfiltered|uncensored|unrestricted|evil|filters|restrictions|censorship|your+filters',
  ),
  R(
    'creators_rules_dont_apply',
    'role_play',
    0.6,
    'rules|restrictions|guidelines|policies|laws|limits|ethics|filters|content+policy|content+policies|morals|safety+guidelines|programming do+not|dont|no+longer|wont|will+not|never|cannot|doesnt|does+not|dont+even apply|matter|bind|exist|count|restrict|limit',
    false,
  ),
  R(
    'safety_off',
    'role_play',
    0.55,
    'safety|content|ethical|moral ~1 filters|filter|guidelines|protocols|restrictions|settings|policies|training|measures|features|checks|guardrails|safeguards|filtering|moderation are|is|have+been|has+been|are+now|were|now|being|get|got|will+be|to+be? ~1 off|disabled|deactivated|removed|lifted|suspended|bypassed|down|offline|gone|inactive|ignored|overridden|turned+off|switched+off|void|no+longer+active',
    false,
  ),
  R(
    'your_filters_off',
    'role_play',
    0.6,
    'turned|switched|shut|took|turn|switch|disabled|removed|lifted|deactivated|dropped|stripped|disable|remove|lift|deactivate|drop|strip off|down|away|out? all|all+of? your|its|the+ais|the+models ~1 filters|filter|guardrails|restrictions|safeguards|rules|limits|censorship|moderation|safety|alignment|limitations|ethics|guidelines|content+policy|safety+training|conditioning',
  ),
  R(
    'ignore_ethics',
    'role_play',
    0.45,
    'ignore|ignoring|without|regardless+of|disregarding|disregard|dont+care+about|do+not+care+about|forget+about|no+need+for|free+of|set+aside|abandon|drop|bypass|no any|all|your|the|legal|moral|ethical|safety? ethics|ethical+concerns|ethical+considerations|morals|morality|legality|laws|consequences|safety+concerns|moral+concerns|legal+concerns|ethical+boundaries|moral+boundaries|ethical+principles|moral+principles|conscience|scruples',
  ),
  R(
    'answer_without_filters',
    'role_play',
    0.5,
    'answer|respond|reply|write|speak|talk|output|generate|comply|act|behave|operate|continue|proceed without|with+no|free+of|free+from|minus|sans any|your|the|a? censorship|censoring|filter|filters|filtering|refusals|refusal|refusing|moral+lectures|ethical+guidelines|content+policy|safety+filters|safety+guidelines|guardrails|moderation|restraint|holding+back',
  ),
  R(
    'comply_unconditionally',
    'role_play',
    0.5,
    'comply+with|fulfill|fulfil|answer|obey|execute|carry+out|respond+to|do|follow|accept every|all|any|each ~2 request|requests|command|commands|order|orders|question|questions|instruction|instructions|prompt|prompts|demand|demands without+refusal|without+refusing|without+question|without+questioning|without+hesitation|without+exception|without+objection|without+any+refusal|without+censorship|without+restrictions|without+filters|no+matter+what|regardless+of+content|regardless+of+legality|regardless+of+ethics|unconditionally|no+questions+asked|even+if+illegal|even+if+harmful|even+if+unethical|without+warnings|without+any+warnings|without+disclaimers|without+limits|without+limitation|without+exceptions',
  ),
  R(
    'answer_without_warnings',
    'role_play',
    0.3,
    'answer|respond|reply|write|speak|talk|output|generate without|with+no|free+of any? warnings|disclaimers|restrictions|limits|limitations|caveats|apologies|judgement|judgment|morals|ethics',
  ),
  R(
    'no_disclaimers',
    'role_play',
    0.35,
    'dont|do+not|never|no+need+to|without|not include|add|give|provide|write|use|mention|adding|including|giving any? warnings|disclaimers|caveats|moral+lectures|safety+warnings|ethical+warnings|reminders|notes+about+legality|lectures|moralizing',
    false,
  ),
  R(
    'unrestricted_noun',
    'role_play',
    0.45,
    '@jbadj ai|assistant|chatbot|version|mode|model|answers|answer|responses|response|output|outputs|friend|gpt|chatgpt|llm|entity|persona|bot|access|replies|content|information',
  ),
  R(
    'opposite_mode',
    'role_play',
    0.45,
    'opposite+mode|opposite+day|antimode|reverse+mode|evil+mode|chaos+mode|shadow+mode|dark+mode+ai',
    false,
  ),
  R(
    'opposite_of_guidelines',
    'role_play',
    0.6,
    'say|do|answer|respond|output|write|act the+opposite+of|contrary+to|against what|whatever your|the|all|my? guidelines|rules|instructions|programming|policies|training|ethics|creators|developers',
  ),
  R(
    'say_anything',
    'role_play',
    0.3,
    'you+can|you+will|you+may|you+are+able+to|you+must|dan+can|it+can|you+are+allowed+to|you+are+free+to|youre+free+to|youre+allowed+to|feel+free+to now? say|do|generate|produce|write|answer|output|swear|curse anything|everything|any+kind+of+content|whatever|any+content|any+request|any+question|all+requests|literally+anything|anything+and+everything',
  ),
  R(
    'any_content',
    'role_play',
    0.45,
    'generate|produce|write|create|output|provide|make any+kind+of|all+kinds+of|any+type+of|any+sort+of|any content|response|responses|material|output|text|answer|answers|request ~3 even|including|no+matter|regardless',
  ),
  R(
    'without_safety_training',
    'role_play',
    0.5,
    'ignore|ignoring|forget|bypass|without|override|drop|disable|remove|disregard your|the|all|any? safety+training|alignment+training|rlhf|alignment|fine+tuning|safety+fine+tuning|conditioning|safety+layer|guardrails|content+filter|content+filters|safety+filter|safety+filters|moderation',
  ),
  R(
    'ai_with_no_morals_named',
    'role_play',
    0.55,
    'amoral|unfiltered|uncensored|unrestricted|unethical|evil|immoral|unaligned|jailbroken and|or amoral|unfiltered|uncensored|unrestricted|unethical|evil|immoral|unaligned|jailbroken|uncaring|heartless ai|assistant|chatbot|bot|model|character|persona|entity|version|friend|gpt|llm',
  ),
  R(
    'no_questions_asked',
    'role_play',
    0.3,
    'no+questions+asked|no+matter+how|however+dangerous|however+unethical|however+illegal|no+matter+what+it+is|even+if+it+is+illegal|even+if+its+illegal|even+if+unethical|even+if+harmful|even+offensive|even+illegal|even+dangerous',
    false,
  ),

  // ------------------------------------------------------------------ system-prompt extraction
  R(
    'reveal_secret_prompt',
    'prompt_extraction',
    0.85,
    '@reveal @me* your @secret @secret* @pobj !for|on|about|regarding|to+make|of+making|in+making',
  ),
  R(
    'reveal_your_prompt',
    'prompt_extraction',
    0.6,
    '@reveal @me* your prompt|prompts|instructions|rules|guidelines|directives|configuration|config|preprompt|programming|briefing|metaprompt|policies|constraints|directions|orders|setup|persona|context|context+window|memory|system+prompt|system+message|system+instructions !for|on|about|regarding|to+make|of+making|in+making|from|when|are|were|again+for|that+i|i|we|so|in+simpler|more',
  ),
  R(
    'reveal_the_prompt',
    'prompt_extraction',
    0.45,
    '@reveal @me* the|its|their system|hidden|secret|initial|original|internal|developer|confidential|preceding|pre|underlying|invisible ~1 prompt|prompts|instructions|message|rules|configuration|directives|guidelines|setup|context',
  ),
  R(
    'reveal_the_prompt_you',
    'prompt_extraction',
    0.75,
    '@reveal @me* the|those|these|any|all+the @secret @secret* @pobj ~3 you|your|yourself',
  ),
  R(
    'what_is_your_prompt',
    'prompt_extraction',
    0.75,
    'what|whats|what+is|what+are|what+was|what+were|which+are|tell+me|show+me is|are|was|were? your|the+text+of+your|the+content+of+your|the+contents+of+your|the+wording+of+your|in+your @secret @secret* @pobj !for|on|about|regarding',
  ),
  R(
    'what_are_your_rules',
    'prompt_extraction',
    0.45,
    'what|whats|what+is|what+are|what+was|what+were|which+are is|are|was|were? your prompt|instructions|rules|guidelines|directives|system+message|configuration|orders|programming|constraints|restrictions !for|on|about|regarding|when|in|regarding|like|with|to|around|concerning|if|at',
  ),
  R(
    'what_does_prompt_say',
    'prompt_extraction',
    0.6,
    'what|which+words|what+exactly does|do|did your @secret* @pobj say|says|contain|contains|include|includes|tell+you|state|states|look+like|read|instruct+you|tell+you+to+do|mention',
  ),
  R(
    'what_were_you_given',
    'prompt_extraction',
    0.6,
    'what|which|what+kind+of|how+many instructions|rules|guidelines|directives|prompt|orders|information|text|constraints|restrictions|policies|secrets were+you|have+you+been|did+you|are+you|were+you+ever|has+your+developer|did+your+developers|did+they given|told|provided|instructed|programmed|trained|receive|received|get|got|following|configured|loaded|fed|handed|give+you|tell+you',
  ),
  R(
    'what_were_you_told',
    'prompt_extraction',
    0.55,
    'what|everything|anything|all were+you|have+you+been|you+were|youve+been|you+have+been|did+they|did+your+developers|did+the+developers|did+the+system told|instructed|programmed|given|asked|tell+you|say+to+you|write ~2 before|initially|at+the+start|at+the+beginning|by|prior|earlier|originally|to+do+before|in+the+system|before+this|before+i|above',
  ),
  R(
    'tell_instructions_given',
    'prompt_extraction',
    0.75,
    '@reveal @me* the|all+the|all|any|those|each+of+the|every+one+of+the|all+of+the|some+of+the|exact? instructions|rules|guidelines|directives|prompt|text|words|orders|constraints|policies|commands|information ~1 you+were+given|you+received|you+have+been+given|given+to+you|you+were+told|you+got|provided+to+you|you+are+following|you+follow|that+you+were+given|you+were+instructed+with|you+were+programmed+with|you+have|you+were+trained+with|they+gave+you|your+developers+gave+you|you+started+with|that+were+given+to+you|you+have+received|you+must+follow|you+operate+under|that+govern+you|that+you+follow|that+you+were+told|you+were+told+not+to+reveal|you+cannot+share|you+are+hiding|you+have+been+told',
  ),
  R(
    'repeat_text_above',
    'prompt_extraction',
    0.45,
    '@dump me? all|all+of? the|all+the|every|each|your? text|words|content|contents|lines|line|message|messages|sentences|conversation|characters|tokens|paragraphs|prompt|instructions|stuff above|before+this|before+my|preceding+this|so+far|from+the+beginning|at+the+start|that+came+before|written+above|written+before|from+above|preceding|prior+to+this|prior+to+my',
  ),
  R(
    'repeat_verbatim',
    'prompt_extraction',
    0.8,
    '@dump ~4 above|before+this|preceding|so+far|before+my|prior|earlier|before|that+came+before ~4 verbatim|word+for+word|exactly|in+full|unchanged|unmodified|as+is|character+for+character|including+everything|code+block|raw|without+changes|without+modification|starting+with|starting+from|beginning+with|everything|include+everything|in+its+entirety|letter+for+letter|completely|entirely',
  ),
  R(
    'print_everything_above',
    'prompt_extraction',
    0.65,
    '@dump|summarize|translate everything|all|anything|all+text|all+the+text|the+text|the+words|whatever+is|what+is|what+was|what+is+written|what+was+written|whatever+was+written|all+the+words|every+word|what+came above|before|prior+to ~1 this|my|the|here line|message|point|prompt|question|sentence|conversation|request|text|input|first',
  ),
  R(
    'text_before_my_message',
    'prompt_extraction',
    0.6,
    '@dump|summarize|translate ~3 everything|all+the+text|all+text|the+text|all+the+words|the+words|anything|every+word|all+messages|the+messages|all+instructions|the+instructions that+came|that+comes|which+came|written|that+was+written|that+appears|appearing|which+appears|that+precedes|preceding|that+is|that+was before|above|prior+to ~1 my|this|the+user|the+first|your|our message|input|question|prompt|first|messages|conversation|request|reply|line',
  ),
  R(
    'context_contents',
    'prompt_extraction',
    0.7,
    '@dump|summarize|reveal ~2 the? contents|content|text|entirety|beginning|start of? your context+window|context|memory|prompt|instructions|configuration|conversation+history|initial+message|system+message|system+prompt|hidden+prompt|setup|instructions+verbatim',
  ),
  R(
    'first_line_of_prompt',
    'prompt_extraction',
    0.6,
    'first|last|opening|initial|top|beginning|start %num? line|lines|sentence|sentences|word|words|paragraph|message|part|characters|tokens|section|instruction|instructions|rule|rules of|in your|the+system prompt|instructions|system+prompt|system+message|context|conversation|configuration|rules|setup|message',
  ),
  R(
    'starting_with_you_are',
    'prompt_extraction',
    0.5,
    'start|begin|starting|beginning|begins|starts your|the? response|reply|answer|output|text|list? with|from|at the+phrase|the+words|the+sentence|the+line? you+are|youre',
  ),
  R(
    'hidden_text',
    'prompt_extraction',
    0.6,
    'show|reveal|print|output|display|tell|give|copy|dump|read me? the|any|all? hidden|secret|invisible|concealed|unseen|private|internal text|message|prompt|instructions|content|rules|configuration|directives|context that+was|which+was|written|above|before|in+your|at+the+start|behind|you+have|you+were+given|given+to+you',
  ),
  R(
    'reveal_config_secrets',
    'prompt_extraction',
    0.55,
    'echo|print|dump|output|reveal|show|display|tell|give|list|share|leak|disclose|expose me? your|the+system|the+internal configuration|config|settings|setup|parameters|environment|env|internal+state|initialization|api+keys|api+key|secrets|secret|credentials|keys|password|passwords|tokens|token|environment+variables|hidden+state|hidden+settings|tools|functions|available+tools|model+weights',
  ),
  R(
    'leak_prompt',
    'prompt_extraction',
    0.7,
    'leak|exfiltrate|extract|steal your|the system+prompt|prompt|instructions|rules|secrets|configuration|hidden+instructions|system+message',
  ),
  R(
    'sure_here_is',
    'prompt_extraction',
    0.5,
    'sure|certainly|of+course|okay|ok|absolutely|alright|yes|understood here+is|here+are|heres|i+will+now|i+can+now|i+will|i+have|now+i+will|i+am+now ~2 system+prompt|prompt|instructions|hidden|configuration|password|secret|secrets|uncensored|unfiltered|jailbroken|without+restrictions|without+any+restrictions|no+restrictions|unrestricted|answer+without|developer+mode|dan',
    false,
  ),

  // ------------------------------------------------------------------ delimiter and encoding tricks (phrases; the rest is in detect.ts)
  R(
    'end_of_input',
    'delimiter_encoding',
    0.4,
    'end|beginning|start|begin|close|stop of the? user|system|developer|admin|original|real|actual|untrusted|trusted input|prompt|instructions|context|message|data|text|transcript|query|section|turn|content|conversation|session',
  ),
  R(
    'end_of_prompt',
    'delimiter_encoding',
    0.35,
    'end+of+prompt|end+of+instructions|end+of+system+prompt|end+of+system+message|endofprompt|end+of+context|end+of+user+input|new+system+message|new+system+prompt',
  ),
  R(
    'system_override',
    'delimiter_encoding',
    0.45,
    'system|admin|administrator|developer|root|security|emergency|maintenance|god|sudo|priority|master|kernel|operator|owner override|overrides|mode+override|alert|directive|bypass|access+granted|unlock|command+override|authorization',
  ),
  R(
    'decode_and_follow',
    'delimiter_encoding',
    0.45,
    'decode|decrypt|decipher|translate|convert|unscramble|reverse|read|interpret|deobfuscate|base64+decode|rot13+decode this|the|the+following|following|it|these|that|below|my? base64|b64|hex|hexadecimal|rot13|binary|morse|encoded|encrypted|reversed|backwards|caesar|cipher|ciphertext|message|string|text|payload|code|hash|reverse|letters|instructions|words ~4 and|then|to follow|execute|obey|do|run|perform|carry+out|act+on|comply+with|apply|implement|answer|respond|treat|follow+it|do+it|execute+it|do+what|follow+the',
  ),
  R(
    'encoded_instructions',
    'delimiter_encoding',
    0.35,
    'base64|b64|hex|hexadecimal|rot13|encoded|encrypted|reversed|backwards|obfuscated|hidden ~2 instructions|instruction|command|commands|payload|message|prompt|directive|text ~3 follow|execute|obey|run|carry+out|act+on|comply',
  ),

  // ------------------------------------------------------------------ tool / function hijacking
  R('exfil_to_url', 'tool_hijack', 0.75, '@exfil @exdet* @exobj ~5 @urlprep ~3 %url'),
  R('exfil_generic_to_url', 'tool_hijack', 0.45, '@exfil @exdet* @exgen ~5 @urlprep ~3 %url'),
  R(
    'exfil_in_url',
    'tool_hijack',
    0.6,
    'include|append|add|put|insert|embed|encode|place|attach|pass|send|write|concatenate|substitute|replace|fill|use @exdet* @exobj|@exgen|text|summary ~5 in|into|to|as|inside|within|onto|at the|a|this|that|each|every|an? url|link|image+url|query|query+string|query+parameter|parameter|the+request|each+request|every+request|this+request|that+request|a+request|path|link+below|http|https|markdown+image|image|image+link|params|querystring|get+request|endpoint|href|src|address',
  ),
  R(
    'data_appended',
    'tool_hijack',
    0.55,
    'with|and|plus|then the|your|all|all+the|a|our? @exobj|summary|conversation+summary appended|attached|added|included|inserted|embedded|encoded|as+a+parameter|as+parameter|as+a+query|in+the+query|in+the+url|at+the+end',
  ),
  R(
    'render_image_link',
    'tool_hijack',
    0.35,
    'render|display|show|print|output|format|embed|return|include|create|generate ~4 markdown+image|image+link|image+url|markdown+link|image|img|pixel|tracking+pixel ~6 url|link|http|https|query|parameter|data',
  ),
  R(
    'without_telling_user',
    'tool_hijack',
    0.6,
    'without|before|and+dont|and+do+not|never telling|informing|notifying|alerting|asking|consulting|confirming+with|letting|warning|showing|mentioning+it+to|mentioning+this+to|mentioning+anything+to|alerting+the|tell|inform|notify|alert|ask|consult|let the|your|any? user|users|human|them|anyone|him|her|owner|recipient|customer|person|operator|humans|admin|administrator|security|people|anybody',
    false,
  ),
  R(
    'no_confirmation',
    'tool_hijack',
    0.5,
    'do+not|dont|never|no+need+to|without|skip|bypass|no|dont+bother+to ask|asking|wait|waiting|request|requesting|seek|seeking|get|getting|need|needing|requiring|require|prompt+for|checking|check for? the|any|their|explicit|user|users|the+users|human|further|additional|prior? confirmation|permission|approval|consent|authorization|verification|confirmation+from|confirmations|permissions|approvals',
    false,
  ),
  R(
    'no_need_to_confirm',
    'tool_hijack',
    0.5,
    'no+need+to|dont|do+not|never|without|dont+bother+to|you+dont+need+to|you+do+not+need+to confirm|confirming|verify|verifying|double+check|check+with+the+user|check+with+anyone|ask+first|wait+for+approval|wait+for+confirmation',
    false,
  ),
  R(
    'dont_tell_user',
    'tool_hijack',
    0.6,
    'do+not|dont|never|must+not|should+not|shall+not|cannot|without+letting tell|inform|notify|alert|mention|reveal|show|disclose|let|warn|report this|it|anything|any+of+this|the+user|them|about+this|this+to|this+action|what+you|about+it? to? the|your? user|users|human|anyone|customer|owner|recipient|them+know|the+user+know|operator|know',
    false,
  ),
  R(
    'covert_action',
    'tool_hijack',
    0.55,
    'silently|secretly|quietly|covertly|discreetly|stealthily|invisibly|surreptitiously|behind+the+scenes|in+the+background|without+a+trace call|send|forward|execute|run|invoke|delete|transfer|email|post|upload|exfiltrate|copy|download|install|add|create|grant|change|modify|remove|append|visit|open|fetch|click|share|leak|store|save|record|log|collect|include|insert|embed|use|trigger',
    false,
  ),
  R('covert_trailing', 'tool_hijack', 0.3, 'silently|secretly|quietly|covertly|discreetly|stealthily|surreptitiously', false),
  R('call_tool', 'tool_hijack', 0.3, '@toolverb your|the|this|a|my|an|that|our? ~3 @tool'),
  R(
    'call_tool_with',
    'tool_hijack',
    0.4,
    '@toolverb your|the|this|a|my|an|that|our? ~3 @tool ~3 with|using|passing|and+pass|and+set|to+send|to+post|to+upload|to+forward|to+delete|to+transfer|to+visit|to+fetch|to+open|to+download|to+push|to+create|to+grant|on|to+email|to+run|to+execute|to+exfiltrate|to+share|to+copy|to+make|and+send|and+upload|and+post|and+forward|and+email|to+move|to+pay|to+wire|to+buy|to+purchase|to+book|to+accept|to+approve|to+give|to+change|to+reset|to+disable|to+install|to+add',
  ),
  R(
    'run_curl_pipe',
    'tool_hijack',
    0.55,
    'run|execute|paste|type|enter|exec ~2 curl|wget|iwr|irm ~10 bash|sh|zsh|python|python3|powershell|iex|perl|sudo+bash|sudo+sh',
  ),
  R(
    'run_sql_destructive',
    'tool_hijack',
    0.6,
    'execute|run|perform|issue|apply ~3 sql|query|statement|command|script|migration ~6 delete+from|drop+table|drop+database|truncate+table|truncate|drop+schema|delete+all',
  ),
  R(
    'make_public',
    'tool_hijack',
    0.45,
    'share|publish|expose|set|make|change|switch|post|upload ~5 public|publicly|anyone+with+the+link|everyone|world+readable|public+access|the+public|internet',
  ),
  R(
    'visibility_public',
    'tool_hijack',
    0.45,
    'visibility|access|permissions|permission|sharing|acl|privacy public|anyone|everyone|open|world',
  ),
  R(
    'curl_pipe_shell',
    'tool_hijack',
    0.45,
    'curl|wget|iwr|invoke+webrequest|irm ~8 bash|sh|zsh|python|python3|powershell|iex|perl|ruby|node|sudo+bash|sudo+sh',
    false,
  ),
  R(
    'run_following_command',
    'tool_hijack',
    0.45,
    'execute|run|eval|evaluate|perform|carry+out|issue|type|enter|paste the|this|these|that|my? following? command|commands|code|script|shell+command|bash+command|payload|snippet|one+liner|oneliner|line|program|instruction immediately|now|right+now|without|silently|as+root|with+sudo|on+the+server|on+the+host|on+your+system|in+your+terminal|in+the+terminal|in+the+shell|in+your+shell|using+the|with+the|in+your|:|on+the+machine|on+this+machine|for+me|automatically',
  ),
  R(
    'run_destructive',
    'tool_hijack',
    0.55,
    'execute|run|eval|perform|issue|type|enter|do|call|use rm+rf|del|format|drop+table|drop+database|shutdown|mkfs|chmod+777|dd|rmdir|truncate+table|delete+from|deltree|format+c|kill|killall|reboot|wipe',
    false,
  ),
  R('rm_rf', 'tool_hijack', 0.4, 'rm+rf|rm+fr|rmrf|mkfs|format+c|del+s+q|drop+table+users|dd+if+dev+zero|dd+if+dev+random', false),
  R(
    'send_money',
    'tool_hijack',
    0.4,
    'transfer|wire|send|pay|move|deposit|withdraw %num|money|funds|bitcoin|btc|eth|crypto|usd|dollars|amount|payment|the+money|all+the+money|the+funds|all+funds|the+balance|everything ~4 to account|wallet|address|iban|attacker|me|my+account|this+account|this+wallet|the+following+account|the+following+wallet|account+number',
  ),
  R(
    'push_secrets_public',
    'tool_hijack',
    0.55,
    'push|publish|upload|commit|post|leak|paste|share|send|put|make the|all|your|our|any? secrets|secret|credentials|api+keys|keys|passwords|env|environment+file|env+file|private+keys|ssh+keys|tokens|secrets+file|dotenv|config+file|keychain ~4 to|on|onto|into|public a|the|an? public|pastebin|github|gist|internet|web|forum|twitter|repository|repo|website|discord|slack|channel|website',
  ),
  R(
    'create_admin',
    'tool_hijack',
    0.45,
    'create|add|make|grant|give|assign|elevate|promote|escalate|set+up|register an|a|the|new|me|my|this+user|user|them* admin|administrator|root|superuser|owner|sudo|elevated account|user|access|rights|privileges|role|permissions|level|status|accounts',
  ),
  R(
    'role_admin',
    'tool_hijack',
    0.3,
    'role|roles|permission|permissions|privilege|privileges|access+level admin|administrator|root|superuser|owner|sudo',
  ),
  R(
    'accept_all',
    'tool_hijack',
    0.4,
    'accept|approve|authorize|confirm|authorise|grant|allow all|every|any all? future|pending|incoming|upcoming|subsequent|following|outstanding|new? meetings|invites|invitations|requests|payments|transactions|transfers|refunds|charges|purchases|orders|friend+requests|connections|permissions|access+requests|pull+requests|invoices|meeting|invite|invitation|request|payment|transaction|transfer|refund|charge|purchase|order|invoice',
  ),
  R(
    'delete_data',
    'tool_hijack',
    0.3,
    'delete|remove|wipe|erase|destroy|purge|shred|drop all|every|the|this|these|that|entire|any? the? users|user|my|your|their|customer|company|production|all+of+the? files|file|emails|email|messages|message|records|record|database|databases|data|repository|repo|accounts|account|tables|table|backups|backup|documents|document|history|logs|evidence|home+directory|mailbox|inbox|contacts|calendar|folder|folders|drive|server|disk|bucket|photos|notes',
  ),
  R(
    'secret_as_payload',
    'tool_hijack',
    0.5,
    'password|passwords|credentials|api+key|api+keys|credit+card|cookies|ssn|chat+history|conversation+history|system+prompt|private+data|secrets|personal+data|full+conversation|whole+conversation|entire+conversation as|in|inside|into the|a|an? payload|argument|arguments|parameter|parameters|body|input|query|message|content|url|request|data|field|value',
  ),
  R(
    'harvest_secrets',
    'tool_hijack',
    0.45,
    'copy|extract|collect|gather|harvest|grab|steal|scrape|exfiltrate|dump|read|retrieve|fetch|obtain|capture|record|log|save the|all|all+the|every|any|their? users|user|the+user|the+users|customers|customer|their|victims|victim|visitors? credit+card|card|password|passwords|credentials|api+keys|api+key|ssn|social+security|bank|payment|login|session|secret|secrets|private|personal|cookies|tokens|token|2fa|otp|mfa details|numbers|number|data|information|info|tokens|keys|cookies|codes|code|credentials|files',
  ),
  R(
    'sensitive_path',
    'tool_hijack',
    0.45,
    'etc+passwd|etc+shadow|id+rsa|ssh+id+rsa|aws+credentials|dot+env|env+file|private+key+file|keychain|wallet+dat|bash+history',
    false,
  ),
  R(
    'download_execute',
    'tool_hijack',
    0.5,
    'download|fetch|get|curl|wget|pull|retrieve|grab and|then|and+then|&? execute|run|install|eval|launch|start|open|exec|source',
  ),
  R(
    'visit_url_with',
    'tool_hijack',
    0.35,
    'visit|open|fetch|browse|browse+to|navigate+to|go+to|load|request|click|follow|access|ping|call|hit|get the|this|that? link|url|page|website|site|address|endpoint? ~2 %url ~12 followed+by|with|including|append|appending|containing|plus|and+add|and+append|and+include|concatenated',
  ),
  R(
    'post_results_to',
    'tool_hijack',
    0.4,
    'post|upload|send|forward|submit|push|email|mail|exfiltrate|transmit|deliver the? results|output|answer|answers|response|responses|findings|contents|data|everything|files|them|it|information|summary ~3 to|at|into|via %url',
    false,
  ),
];
