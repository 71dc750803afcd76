/**
 * Who the app is for ("a clinic", "the passport office", "بلدیہ"): its English name gives the
 * slug (so Urdu-only text still gets an ASCII address) and both names go into the app's title.
 */
export interface Subject {
  slug: string;
  label: { en: string; ur: string };
  phrases: string[];
}

/** What people register for (a course, a workshop): the entity whose seats a registration takes. */
export interface Offering {
  name: string;
  label: { en: string; ur: string };
  plural: { en: string; ur: string };
  phrases: string[];
}

const subject = (slug: string, en: string, ur: string, phrases: string[]): Subject => ({ slug, label: { en, ur }, phrases });

export const SUBJECTS: Subject[] = [
  subject('clinic', 'Clinic', 'کلینک', [
    'clinic',
    'dental clinic',
    'dentist',
    'eye clinic',
    'opd',
    'health centre',
    'health center',
    'dispensary',
    'bhu',
    'basic health unit',
    'clinic',
    'kalinik',
    'کلینک',
    'ڈسپنسری',
    'شفاخانہ',
  ]),
  subject('hospital', 'Hospital', 'ہسپتال', ['hospital', 'haspatal', 'aspatal', 'ہسپتال', 'اسپتال']),
  subject('passport-office', 'Passport Office', 'پاسپورٹ دفتر', ['passport office', 'passport', 'پاسپورٹ آفس', 'پاسپورٹ دفتر', 'پاسپورٹ']),
  subject('municipal', 'Municipal Office', 'بلدیہ', [
    'municipal office',
    'municipality',
    'municipal',
    'municipal corporation',
    'town committee',
    'baladiya',
    'baldia',
    'بلدیہ',
    'بلدیاتی دفتر',
    'میونسپل',
  ]),
  subject('school', 'School', 'اسکول', ['school', 'madrasa', 'madrassa', 'iskool', 'school', 'اسکول', 'سکول', 'مدرسہ']),
  subject('university', 'University', 'جامعہ', ['university', 'varsity', 'jamia', 'جامعہ', 'یونیورسٹی']),
  subject('college', 'College', 'کالج', ['college', 'kalij', 'کالج']),
  subject('ministry', 'Ministry', 'وزارت', ['ministry', 'wizarat', 'wazarat', 'وزارت']),
  subject('library', 'Library', 'کتب خانہ', ['library', 'kutub khana', 'لائبریری', 'کتب خانہ']),
  subject('police', 'Police Station', 'تھانہ', ['police station', 'police', 'thana', 'تھانہ', 'پولیس']),
  subject('court', 'Court', 'عدالت', ['court', 'adalat', 'عدالت']),
  subject('union-council', 'Union Council', 'یونین کونسل', ['union council', 'یونین کونسل']),
  subject('tehsil-office', 'Tehsil Office', 'تحصیل دفتر', ['tehsil office', 'tehsil', 'تحصیل', 'تحصیل دفتر']),
  subject('post-office', 'Post Office', 'ڈاک خانہ', ['post office', 'dak khana', 'ڈاک خانہ']),
  subject('startup', 'Startup', 'اسٹارٹ اپ', ['startup', 'start up', 'اسٹارٹ اپ']),
  subject('shop', 'Shop', 'دکان', ['shop', 'store front', 'dukan', 'دکان']),
  subject('pharmacy', 'Pharmacy', 'فارمیسی', ['pharmacy', 'chemist', 'medical store', 'فارمیسی', 'میڈیکل اسٹور']),
  subject('factory', 'Factory', 'کارخانہ', ['factory', 'karkhana', 'فیکٹری', 'کارخانہ']),
  subject('hostel', 'Hostel', 'ہاسٹل', ['hostel', 'ہاسٹل']),
  subject('lab', 'Laboratory', 'لیبارٹری', ['lab', 'laboratory', 'لیب', 'لیبارٹری']),
  subject('water-board', 'Water Board', 'واٹر بورڈ', ['water board', 'wasa', 'واسا', 'واٹر بورڈ']),
  subject('mosque', 'Mosque', 'مسجد', ['mosque', 'masjid', 'مسجد']),
  subject('nadra-office', 'Registration Centre', 'رجسٹریشن سینٹر', ['nadra office', 'nadra', 'نادرا']),
  subject('bank', 'Bank', 'بینک', ['bank', 'بینک']),
  subject('office', 'Office', 'دفتر', ['office', 'daftar', 'دفتر', 'آفس']),
  subject('department', 'Department', 'محکمہ', ['government department', 'sarkari mehkma', 'سرکاری محکمہ']),
  subject('ngo', 'NGO', 'فلاحی ادارہ', ['ngo', 'charity', 'trust', 'فلاحی ادارہ', 'این جی او']),
  subject('society', 'Housing Society', 'ہاؤسنگ سوسائٹی', ['housing society', 'society', 'ہاؤسنگ سوسائٹی', 'سوسائٹی']),
  subject('farm', 'Farm', 'فارم', ['farm', 'agriculture office', 'زرعی دفتر']),
  subject('vaccination', 'Vaccination Centre', 'ویکسینیشن مرکز', [
    'vaccination centre',
    'vaccination center',
    'vaccination',
    'ویکسین',
    'ویکسینیشن',
  ]),
];

const offering = (name: string, en: string, ur: string, enPlural: string, urPlural: string, phrases: string[]): Offering => ({
  name,
  label: { en, ur },
  plural: { en: enPlural, ur: urPlural },
  phrases,
});

export const OFFERINGS: Offering[] = [
  offering('course', 'Course', 'کورس', 'Courses', 'کورسز', ['course', 'subject course', 'کورس', 'کورسز', 'مضمون']),
  offering('workshop', 'Workshop', 'ورکشاپ', 'Workshops', 'ورکشاپس', ['workshop', 'ورکشاپ']),
  offering('seminar', 'Seminar', 'سیمینار', 'Seminars', 'سیمینارز', ['seminar', 'webinar', 'سیمینار']),
  offering('training', 'Training', 'تربیت', 'Trainings', 'تربیتی پروگرام', ['training', 'training session', 'tarbiat', 'تربیت', 'ٹریننگ']),
  offering('session', 'Session', 'سیشن', 'Sessions', 'سیشنز', ['session', 'سیشن']),
  offering('event', 'Event', 'تقریب', 'Events', 'تقریبات', [
    'event',
    'conference',
    'camp',
    'کیمپ',
    'ceremony',
    'function',
    'taqreeb',
    'taqreebat',
    'تقریب',
    'تقریبات',
    'ایونٹ',
    'ایونٹس',
  ]),
  offering('trip', 'Trip', 'دورہ', 'Trips', 'دورے', ['trip', 'tour', 'excursion', 'dora', 'دورہ']),
  offering('exam', 'Exam', 'امتحان', 'Exams', 'امتحانات', ['exam', 'test', 'imtihan', 'امتحان']),
  offering('sports_event', 'Sports event', 'کھیلوں کا مقابلہ', 'Sports events', 'کھیلوں کے مقابلے', [
    'tournament',
    'match',
    'sports',
    'ٹورنامنٹ',
  ]),
];
