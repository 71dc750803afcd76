import type { Action } from '../../../spec/index.ts';

/** The kinds of app the offline planner knows (DESIGN §8's catalogue). */
export const PATTERN_NAMES = [
  'booking',
  'registration',
  'complaint',
  'request',
  'attendance',
  'inventory',
  'directory',
  'survey',
  'event',
] as const;
export type PatternName = (typeof PATTERN_NAMES)[number];

/** Words that point at a kind of app, with how strongly ("appointment" 3, "request" 1). */
export const PATTERN_CUES: [PatternName, number, string[]][] = [
  [
    'booking',
    3,
    [
      'appointment',
      'appointments',
      'booking',
      'bookings',
      'reservation',
      'appointment booking',
      'apointment',
      'اپائنٹمنٹ',
      'بکنگ',
      'ملاقات',
      'mulaqat',
      'وقت لینا',
      'waqt lena',
    ],
  ],
  ['booking', 1, ['book', 'reserve', 'token', 'queue', 'بک']],
  [
    'registration',
    3,
    [
      'registration',
      'registrations',
      'enrolment',
      'enrollment',
      'admission',
      'admissions',
      'sign up',
      'signup',
      'رجسٹریشن',
      'اندراج',
      'داخلہ',
      'dakhla',
      'registeration',
    ],
  ],
  ['registration', 1, ['register', 'enrol', 'enroll', 'join', 'رجسٹر']],
  [
    'complaint',
    3,
    ['complaint', 'complaints', 'grievance', 'ticket', 'tickets', 'helpdesk', 'help desk', 'shikayat', 'shikayaat', 'شکایت', 'شکایات'],
  ],
  ['complaint', 1, ['problem', 'report', 'issue report', 'report a problem', 'fault', 'masla', 'مسئلہ', 'مسائل']],
  [
    'request',
    3,
    ['leave', 'leave request', 'leave application', 'chutti', 'chhutti', 'چھٹی', 'رخصت', 'darkhwast', 'darkhast', 'درخواست', 'درخواستیں'],
  ],
  [
    'request',
    2,
    [
      'request',
      'requests',
      'application',
      'applications',
      'approval',
      'permit',
      'scholarship',
      'grant',
      'منظوری',
      'ijazat',
      'اجازت',
      'وظیفہ',
    ],
  ],
  ['attendance', 3, ['attendance', 'attendance register', 'roll call', 'hazri', 'haziri', 'حاضری', 'present or absent', 'present absent']],
  [
    'inventory',
    3,
    [
      'inventory',
      'asset',
      'assets',
      'asset register',
      'equipment register',
      'stock',
      'stocks',
      'warehouse',
      'supplies',
      'store room',
      'storeroom',
      'maal',
      'saman',
      'اسٹاک',
      'انوینٹری',
      'گودام',
      'سامان',
      'ذخیرہ',
    ],
  ],
  ['inventory', 1, ['items', 'item', 'products', 'product', 'medicines', 'equipment', 'اشیاء', 'ادویات']],
  ['directory', 3, ['directory', 'contact list', 'contacts', 'phone book', 'phonebook', 'ڈائریکٹری', 'رابطہ فہرست', 'rabta list']],
  ['directory', 1, ['listing', 'list of', 'فہرست', 'fehrist']],
  ['survey', 3, ['survey', 'questionnaire', 'poll', 'feedback', 'feedback form', 'سروے', 'رائے شماری', 'raye', 'rai', 'رائے']],
  [
    'event',
    3,
    [
      'event',
      'events',
      'taqreebat',
      'ceremony',
      'conference',
      'meetup',
      'function',
      'gathering',
      'taqreeb',
      'تقریب',
      'تقریبات',
      'ایونٹ',
      'ایونٹس',
      'programme',
      'program',
      'پروگرام',
    ],
  ],
];

/** Workflow steps: a verb that moves a record ("assign", "approve", "منظور") and the state it moves it to. */
export interface Step {
  name: string;
  /** progress: a middle state; done: the good end; stop: an end that refuses or withdraws. */
  kind: 'progress' | 'done' | 'stop';
  verb: { en: string; ur: string };
  state: { name: string; en: string; ur: string };
  phrases: string[];
}

const step = (name: string, kind: Step['kind'], verb: [string, string], state: [string, string, string], phrases: string[]): Step => ({
  name,
  kind,
  verb: { en: verb[0], ur: verb[1] },
  state: { name: state[0], en: state[1], ur: state[2] },
  phrases,
});

export const STEPS: Step[] = [
  step(
    'assign',
    'progress',
    ['Assign', 'تفویض کریں'],
    ['assigned', 'Assigned', 'تفویض شدہ'],
    ['assign', 'allot', 'allocate', 'tafweez', 'تفویض', 'سونپ', 'سونپیں'],
  ),
  step(
    'review',
    'progress',
    ['Review', 'جائزہ لیں'],
    ['under_review', 'Under review', 'زیر جائزہ'],
    ['review', 'examine', 'jaiza', 'جائزہ', 'جانچ', 'jaanch'],
  ),
  step('verify', 'progress', ['Verify', 'تصدیق کریں'], ['verified', 'Verified', 'تصدیق شدہ'], ['verify', 'check', 'پڑتال', 'جانچیں']),
  step(
    'forward',
    'progress',
    ['Forward', 'آگے بھیجیں'],
    ['forwarded', 'Forwarded', 'آگے بھیجا گیا'],
    ['forward', 'escalate', 'refer', 'آگے بھیج'],
  ),
  step(
    'start',
    'progress',
    ['Start work', 'کام شروع کریں'],
    ['in_progress', 'In progress', 'زیر کارروائی'],
    ['start', 'work on', 'process', 'kaam shuru', 'کام شروع', 'کارروائی'],
  ),
  step('confirm', 'progress', ['Confirm', 'تصدیق کریں'], ['confirmed', 'Confirmed', 'تصدیق شدہ'], ['confirm', 'tasdeeq', 'pakka', 'تصدیق']),
  step('resolve', 'done', ['Resolve', 'حل کریں'], ['resolved', 'Resolved', 'حل شدہ'], ['resolve', 'fix', 'solve', 'hal', 'حل']),
  step(
    'approve',
    'done',
    ['Approve', 'منظور کریں'],
    ['approved', 'Approved', 'منظور'],
    ['approve', 'accept', 'sanction', 'manzoor', 'manzuri', 'منظور', 'منظوری دے'],
  ),
  step('issue', 'done', ['Issue', 'جاری کریں'], ['issued', 'Issued', 'جاری شدہ'], ['issue', 'jari', 'جاری']),
  step(
    'complete',
    'done',
    ['Complete', 'مکمل کریں'],
    ['completed', 'Completed', 'مکمل'],
    ['complete', 'completed', 'finish', 'done', 'ready', 'mukammal', 'tayyar', 'مکمل', 'تیار'],
  ),
  step('close', 'done', ['Close', 'بند کریں'], ['closed', 'Closed', 'بند'], ['close', 'closes', 'closed', 'band', 'بند']),
  step(
    'reject',
    'stop',
    ['Reject', 'مسترد کریں'],
    ['rejected', 'Rejected', 'مسترد'],
    ['reject', 'decline', 'deny', 'refuse', 'mustarad', 'radd', 'مسترد', 'رد'],
  ),
  step(
    'cancel',
    'stop',
    ['Cancel', 'منسوخ کریں'],
    ['cancelled', 'Cancelled', 'منسوخ'],
    ['cancel', 'cancels', 'cancelled', 'canceled', 'withdraw', 'mansookh', 'منسوخ'],
  ),
];

/** Verbs for what a role does with records: "file a", "see", "edit", "حذف". */
export const ACTION_VERBS: [Action, string[]][] = [
  [
    'create',
    [
      'file a',
      'filed',
      'files a',
      'file an',
      'file their',
      'file complaints',
      'submit',
      'report',
      'apply',
      'raise',
      'lodge',
      'create',
      'add',
      'enter',
      'record',
      'mark',
      'fill',
      'fill in',
      'book',
      'register',
      'request',
      'darj',
      'jama',
      'درج',
      'جمع',
      'شامل',
      'اپلائی',
      'لگائیں',
      'لگا',
      'lagayen',
      'lagaen',
      'lagain',
      'choose',
      'select',
      'chunein',
      'chunen',
      'chunain',
      'sign up',
      'banaye',
      'send',
      'bhejein',
      'bhejen',
      'bhejain',
      'بھیجیں',
      'banayen',
      'banaen',
      'shirkat',
      'شرکت',
      'بنائے',
    ],
  ],
  [
    'read',
    [
      'see',
      'view',
      'read',
      'look at',
      'browse',
      'search',
      'track',
      'follow',
      'dekh',
      'dekhein',
      'dekh sakte',
      'دیکھ',
      'دیکھیں',
      'دیکھ سکتے',
    ],
  ],
  ['update', ['edit', 'update', 'change', 'modify', 'correct', 'manage', 'maintain', 'tabdeel', 'ترمیم', 'تبدیل', 'تبدیلی', 'انتظام']],
  ['delete', ['delete', 'erase', 'hazf', 'mita', 'حذف', 'مٹا']],
];

/** Words that say someone is told ("is told", "notified", "اطلاع"). */
export const NOTIFY_PHRASES = [
  'told',
  'is told',
  'are told',
  'notify',
  'notified',
  'notification',
  'informed',
  'inform',
  'alert',
  'alerted',
  'gets a message',
  'get a message',
  'receives a message',
  'sms',
  'message',
  'ittila',
  'itla',
  'ittla',
  'bataya',
  'bataya jaye',
  'اطلاع',
  'پیغام',
  'بتایا',
  'مطلع',
];

/** Words that say a registration has a limit ("limited seats", "نشستیں"). */
export const CAPACITY_PHRASES = [
  'seats',
  'seat',
  'seat limit',
  'seat limits',
  'limited seats',
  'capacity',
  'limit',
  'limited',
  'places',
  'max',
  'maximum',
  'slots per day',
  'per day',
  'a day',
  'daily limit',
  'per slot',
  'mehdood',
  'mehdud',
  'nashist',
  'nashisten',
  'seatein',
  'نشست',
  'نشستیں',
  'محدود',
  'گنجائش',
];

/** Words that say how to change an app being refined ("remove the notes field", "نوٹس کا خانہ ہٹا دیں"). */
export const REMOVE_WORDS = [
  'remove',
  'drop',
  'delete',
  'hata',
  'hatao',
  'hatain',
  'hatayen',
  'nikal',
  'nikalo',
  'ہٹا',
  'ہٹائیں',
  'ہٹاؤ',
  'نکال',
  'نکالیں',
  'حذف',
];
export const ADD_WORDS = [
  'add',
  'include',
  'also',
  'need',
  'needs',
  'want',
  'with',
  'shamil',
  'dalo',
  'dal',
  'bhi',
  'شامل',
  'ڈالیں',
  'بھی',
  'چاہیے',
  'chahiye',
];
export const REQUIRE_WORDS = ['required', 'mandatory', 'compulsory', 'lazmi', 'zaroori', 'لازمی', 'ضروری'];
export const NEGATION_WORDS = ['cannot', 'cant', 'not', 'no', 'nahi', 'nahin', 'mat', 'نہیں', 'نہ', 'مت'];
/** Words that say the change is about a field, a column: understood, and pointing nowhere by themselves. */
const EDIT_WORDS = `field fields column columns khana khane shamil shaamil خانہ خانے optional remove drop hata hatao hatain hatayen nikal nikalo ہٹا ہٹائیں ہٹاؤ
نکال نکالیں include dalo dal ڈالیں required mandatory compulsory lazmi zaroori لازمی ضروری cannot cant nahi nahin نہیں mat مت
dein den do دیں دو دیجیے`;

/** Glue words in the three languages: understood, and saying nothing about the app. */
export const QUIET_WORDS = `
a an the for of to and or with without in on at by is are be been being was were it its it's their they them this that these those
can could should must will would may might who whom which what when where while each every all any some new own from as so also
have has had need needs want wants we our i my me you your us he she his her one two both either other others there here into about
app apps system application portal tool software online digital simple basic small please make build give let lets just only
keep keeps kept tracking records list lists data form forms page pages way using use used via per do does
if then than not no yes up out over under after before until whether how why get gets got go goes also too very
ka ki ke ko se mein me main par pe aur ya hai hain ho hon hota hoti hote jo jab liye keliye kay karna karne karein karen karte
karta kar sakte sakta sakti sakain wala wali wale ek aik bhi sirf apni apna apne un unki unka unke unko is us ye yeh woh wo tak
baad pehle jaye jayegi jata jati jate hoga hogi chahiye chahye chahiyay banao banayen banaen bana do system nizam app hum humein
mujhe hamein hamara hamari kisi koi har sab saare tamam saath sath di diya diye aaye aye aata lete leta lena lein hona hone hua everything anything able run runs role roles kirdar once within like whose onto across through agar jaise yani sake saken sakain paye milay mile milna outcome result results decision decisions service services khidmat every daily day roz rozana karega karegi karenge kare karo karain karwa karwana jayega jayen
کا کی کے کو سے میں پر اور یا ہے ہیں ہو ہوں جو جب لیے لئے کرنا کرنے کریں کرتے کرتا کر سکتے سکتا سکتی والا والی والے ایک بھی صرف
اپنی اپنا اپنے ان اس یہ وہ تک بعد پہلے جائے جاتا جاتی جاتے ہوگا ہوگی چاہیے بنائیں نظام ایپ دیں دے جس جن کہ گا گی گے ہوتی ہوتا
ہم ہمیں مجھے کردار اگر جیسے یعنی سکے سکیں پائے ملے ساتھ اسے انہیں ہونے لینے لیں دی دیا آئے خدمات روزانہ روز کرے کریگا کرےگا کرینگے کسی کوئی ہر سب تمام جن کو کیا گیا گئی گئے لیکن نیا نئی نئے رکھیں رکھنا رکھے آن لائن سسٹم جاسکے جا سکے
${EDIT_WORDS}`
  .split(/\s+/)
  .filter((word) => word.length > 0);
