import type { RoleSpec } from '../../../spec/index.ts';

/**
 * People a description may name. `side` says which part they usually play: `public` people
 * file, book and apply; `official` people handle, approve and keep. A pattern seats them in
 * its own slots from what the description says they do, and from their side otherwise.
 */
export interface RoleWord {
  role: RoleSpec;
  side: 'public' | 'official';
  phrases: string[];
}

const role = (name: string, en: string, ur: string, holders: RoleSpec['holders']): RoleSpec => ({ name, label: { en, ur }, holders });

export const ROLE_WORDS: RoleWord[] = [
  {
    role: role('citizen', 'Citizen', 'شہری', 'verified'),
    side: 'public',
    phrases: [
      'citizen',
      'the public',
      'general public',
      'members of the public',
      'people',
      'resident',
      'residents',
      'awam',
      'shehri',
      'shehriyon',
      'شہری',
      'شہریوں',
      'عوام',
      'لوگ',
    ],
  },
  {
    role: role('staff', 'Staff', 'عملہ', 'assigned'),
    side: 'official',
    phrases: ['staff', 'staff member', 'worker', 'team', 'field team', 'ٹیم', 'amla', 'amle', 'عملہ', 'عملے', 'عملے کے لوگ'],
  },
  {
    role: role('officer', 'Officer', 'افسر', 'assigned'),
    side: 'official',
    phrases: ['officer', 'official', 'afsar', 'afsaran', 'افسر', 'افسران', 'اہلکار'],
  },
  {
    role: role('student', 'Student', 'طالب علم', 'assigned'),
    side: 'public',
    phrases: [
      'student',
      'pupil',
      'children',
      'child',
      'bachon',
      'bachay',
      'bache',
      'bachchon',
      'بچوں',
      'بچے',
      'talib ilm',
      'talba',
      'tulaba',
      'طالب علم',
      'طلبہ',
      'طلباء',
      'طالبات',
    ],
  },
  {
    role: role('teacher', 'Teacher', 'استاد', 'assigned'),
    side: 'official',
    phrases: ['teacher', 'lecturer', 'professor', 'faculty', 'instructor', 'ustad', 'ustaad', 'asatza', 'استاد', 'اساتذہ', 'ٹیچر'],
  },
  {
    role: role('patient', 'Patient', 'مریض', 'verified'),
    side: 'public',
    phrases: ['patient', 'mareez', 'mariz', 'mareezon', 'مریض', 'مریضوں'],
  },
  {
    role: role('doctor', 'Doctor', 'ڈاکٹر', 'assigned'),
    side: 'official',
    phrases: ['doctor', 'physician', 'daktar', 'dr', 'ڈاکٹر', 'ڈاکٹرز'],
  },
  {
    role: role('employee', 'Employee', 'ملازم', 'verified'),
    side: 'public',
    phrases: ['employee', 'mulazim', 'mulazmeen', 'mulazmin', 'ملازم', 'ملازمین'],
  },
  {
    role: role('manager', 'Manager', 'مینیجر', 'assigned'),
    side: 'official',
    phrases: ['manager', 'منیجر', 'supervisor', 'boss', 'head', 'incharge', 'in charge', 'نگران', 'مینیجر', 'انچارج', 'افسر مجاز'],
  },
  {
    role: role('administrator', 'Administrator', 'منتظم', 'assigned'),
    side: 'official',
    phrases: ['admin', 'administrator', 'administration', 'management', 'muntazim', 'intezamia', 'منتظم', 'انتظامیہ'],
  },
  { role: role('registrar', 'Registrar', 'رجسٹرار', 'assigned'), side: 'official', phrases: ['registrar', 'رجسٹرار'] },
  {
    role: role('customer', 'Customer', 'گاہک', 'everyone'),
    side: 'public',
    phrases: ['customer', 'client', 'buyer', 'gahak', 'gahik', 'گاہک', 'صارف', 'صارفین'],
  },
  { role: role('member', 'Member', 'رکن', 'assigned'), side: 'public', phrases: ['member', 'rukn', 'arakeen', 'رکن', 'اراکین', 'ممبر'] },
  { role: role('parent', 'Parent', 'والدین', 'verified'), side: 'public', phrases: ['parent', 'guardian', 'walidain', 'والدین', 'سرپرست'] },
  {
    role: role('principal', 'Principal', 'پرنسپل', 'assigned'),
    side: 'official',
    phrases: ['principal', 'head teacher', 'headmaster', 'پرنسپل', 'ہیڈ ماسٹر'],
  },
  {
    role: role('volunteer', 'Volunteer', 'رضاکار', 'assigned'),
    side: 'public',
    phrases: ['volunteer', 'razakar', 'razakaron', 'رضاکار', 'رضاکاروں'],
  },
  {
    role: role('applicant', 'Applicant', 'درخواست گزار', 'verified'),
    side: 'public',
    phrases: ['applicant', 'candidate', 'umeedwar', 'ummeedwar', 'امیدوار', 'درخواست گزار'],
  },
  {
    role: role('hr', 'Human resources', 'شعبہ انسانی وسائل', 'assigned'),
    side: 'official',
    phrases: ['hr', 'human resources', 'انسانی وسائل'],
  },
  {
    role: role('organiser', 'Organiser', 'منتظم تقریب', 'assigned'),
    side: 'official',
    phrases: ['organiser', 'organizer', 'host', 'organising committee', 'organizing committee'],
  },
  {
    role: role('participant', 'Participant', 'شریک', 'everyone'),
    side: 'public',
    phrases: ['participant', 'attendee', 'visitor', 'guest', 'donor', 'عطیہ دہندہ', 'shurka', 'shareek', 'شرکاء', 'شریک', 'مہمان'],
  },
  {
    role: role('storekeeper', 'Storekeeper', 'اسٹور کیپر', 'assigned'),
    side: 'official',
    phrases: ['storekeeper', 'store keeper', 'store manager', 'اسٹور کیپر'],
  },
  { role: role('committee', 'Committee', 'کمیٹی', 'assigned'), side: 'official', phrases: ['committee', 'panel', 'board', 'کمیٹی'] },
  { role: role('warden', 'Warden', 'وارڈن', 'assigned'), side: 'official', phrases: ['warden', 'وارڈن'] },
  { role: role('driver', 'Driver', 'ڈرائیور', 'assigned'), side: 'public', phrases: ['driver', 'ڈرائیور'] },
  { role: role('mechanic', 'Mechanic', 'مکینک', 'assigned'), side: 'official', phrases: ['mechanic', 'technician', 'مکینک'] },
  { role: role('librarian', 'Librarian', 'لائبریرین', 'assigned'), side: 'official', phrases: ['librarian', 'لائبریرین'] },
  { role: role('nurse', 'Nurse', 'نرس', 'assigned'), side: 'official', phrases: ['nurse', 'نرس', 'نرسیں'] },
  { role: role('clerk', 'Clerk', 'کلرک', 'assigned'), side: 'official', phrases: ['clerk', 'receptionist', 'کلرک', 'ریسپشنسٹ'] },
  {
    role: role('farmer', 'Farmer', 'کسان', 'verified'),
    side: 'public',
    phrases: ['farmer', 'kisan', 'kisanon', 'کسان', 'کسانوں', 'کاشتکار'],
  },
  {
    role: role('shopkeeper', 'Shopkeeper', 'دکاندار', 'verified'),
    side: 'public',
    phrases: ['shopkeeper', 'trader', 'dukandar', 'دکاندار', 'تاجر'],
  },
  { role: role('auditor', 'Auditor', 'آڈیٹر', 'assigned'), side: 'official', phrases: ['auditor', 'آڈیٹر'] },
  { role: role('inspector', 'Inspector', 'انسپکٹر', 'assigned'), side: 'official', phrases: ['inspector', 'انسپکٹر', 'معائنہ کار'] },
];
