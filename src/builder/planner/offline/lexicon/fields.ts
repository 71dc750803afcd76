import type { FieldSpec, FieldType } from '../../../spec/index.ts';

/**
 * Fields a description may name ("with a photo", "phone number", "فون نمبر", "tasveer"): the
 * field each phrase means, with its English and Urdu label. Patterns draw their own fields
 * from here too, so a field has one name and one label wherever it comes from.
 */
export interface FieldWord {
  field: FieldSpec;
  phrases: string[];
}

const label = (en: string, ur: string) => ({ en, ur });
const field = (name: string, type: FieldType, text: { en: string; ur: string }, more: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  label: text,
  type,
  ...more,
});
const bloodGroups = ['a_pos', 'a_neg', 'b_pos', 'b_neg', 'ab_pos', 'ab_neg', 'o_pos', 'o_neg'].map((value) => {
  const shown = value.replace('_pos', '+').replace('_neg', '−').toUpperCase();
  return { value, label: label(shown, shown) };
});

export const FIELD_WORDS: FieldWord[] = [
  {
    field: field('full_name', 'text', label('Name', 'نام'), { max: 200 }),
    phrases: ['name', 'full name', 'naam', 'pura naam', 'نام', 'پورا نام'],
  },
  {
    field: field('father_name', 'text', label('Father’s name', 'والد کا نام'), { max: 200 }),
    phrases: ['fathers name', 'father name', 'walid ka naam', 'baap ka naam', 'والد کا نام', 'ولدیت'],
  },
  {
    field: field('phone', 'phone', label('Phone number', 'فون نمبر')),
    phrases: [
      'phone',
      'phone number',
      'phone no',
      'mobile',
      'mobile number',
      'mobile no',
      'contact number',
      'cell number',
      'fon',
      'fone',
      'fon number',
      'rabta number',
      'فون',
      'فون نمبر',
      'موبائل',
      'موبائل نمبر',
      'رابطہ نمبر',
    ],
  },
  { field: field('email', 'email', label('Email', 'ای میل')), phrases: ['email', 'e mail', 'email address', 'ای میل', 'ایمیل'] },
  { field: field('address', 'text', label('Address', 'پتہ')), phrases: ['address', 'home address', 'pata', 'پتہ', 'پتا', 'ایڈریس'] },
  { field: field('city', 'text', label('City', 'شہر')), phrases: ['city', 'town', 'shehar', 'shahar', 'شہر'] },
  {
    field: field('date_of_birth', 'date', label('Date of birth', 'تاریخ پیدائش')),
    phrases: ['date of birth', 'birth date', 'birthday', 'dob', 'tareekh e paidaish', 'تاریخ پیدائش'],
  },
  { field: field('age', 'number', label('Age', 'عمر'), { min: 0, max: 150 }), phrases: ['age', 'umar', 'umr', 'عمر'] },
  {
    field: field('gender', 'choice', label('Gender', 'جنس'), {
      choices: [
        { value: 'female', label: label('Female', 'خاتون') },
        { value: 'male', label: label('Male', 'مرد') },
        { value: 'other', label: label('Other', 'دیگر') },
      ],
    }),
    phrases: ['gender', 'jins', 'جنس'],
  },
  {
    field: field('photo', 'file', label('Photo', 'تصویر')),
    phrases: ['photo', 'screenshot', 'photograph', 'picture', 'image', 'pic', 'tasveer', 'tasweer', 'tasvir', 'تصویر', 'فوٹو', 'تصاویر'],
  },
  {
    field: field('document', 'file', label('Document', 'دستاویز')),
    phrases: ['document', 'attachment', 'attached file', 'scan', 'upload', 'pdf', 'dastavez', 'dastaweez', 'دستاویز', 'دستاویزات'],
  },
  {
    field: field('notes', 'long_text', label('Notes', 'نوٹس')),
    phrases: [
      'notes',
      'leave comments',
      'leave a comment',
      'leave feedback',
      'note',
      'remarks',
      'remark',
      'comments',
      'comment',
      'نوٹس',
      'نوٹ',
      'ریمارکس',
      'تبصرہ',
    ],
  },
  {
    field: field('details', 'long_text', label('Details', 'تفصیل')),
    phrases: ['details', 'description', 'tafseel', 'tafsil', 'تفصیل', 'تفصیلات'],
  },
  {
    field: field('amount', 'money', label('Amount (paisa)', 'رقم (پیسے)'), { min: 0 }),
    phrases: ['amount', 'fee', 'fees', 'price', 'cost', 'payment', 'raqam', 'qeemat', 'rupees', 'رقم', 'فیس', 'قیمت', 'ادائیگی'],
  },
  {
    field: field('quantity', 'number', label('Quantity', 'مقدار'), { min: 0 }),
    phrases: ['quantity', 'qty', 'miqdar', 'tadaad', 'مقدار', 'تعداد'],
  },
  { field: field('date', 'date', label('Date', 'تاریخ')), phrases: ['date', 'tareekh', 'tarikh', 'تاریخ'] },
  { field: field('time', 'text', label('Time', 'وقت'), { max: 20 }), phrases: ['time', 'time slot', 'slot', 'waqt', 'وقت'] },
  {
    field: field('department', 'text', label('Department', 'شعبہ')),
    phrases: ['department', 'dept', 'section', 'shoba', 'shoaba', 'mehkma', 'شعبہ', 'محکمہ'],
  },
  { field: field('designation', 'text', label('Designation', 'عہدہ')), phrases: ['designation', 'rank', 'ohda', 'عہدہ'] },
  { field: field('class_name', 'text', label('Class', 'جماعت')), phrases: ['class', 'grade', 'jamat', 'jamaat', 'جماعت', 'کلاس'] },
  {
    field: field('roll_number', 'text', label('Roll number', 'رول نمبر')),
    phrases: ['roll number', 'roll no', 'rol number', 'رول نمبر'],
  },
  {
    field: field('location', 'text', label('Location', 'مقام')),
    phrases: ['location', 'place', 'area', 'jagah', 'maqam', 'ilaqa', 'مقام', 'جگہ', 'علاقہ'],
  },
  {
    field: field('priority', 'choice', label('Priority', 'ترجیح'), {
      choices: [
        { value: 'low', label: label('Low', 'کم') },
        { value: 'normal', label: label('Normal', 'عام') },
        { value: 'high', label: label('High', 'زیادہ') },
        { value: 'urgent', label: label('Urgent', 'فوری') },
      ],
      default: 'normal',
    }),
    phrases: ['priority', 'urgency', 'tarjeeh', 'ahmiyat', 'ترجیح', 'اہمیت'],
  },
  { field: field('reason', 'long_text', label('Reason', 'وجہ')), phrases: ['reason', 'wajah', 'wajeh', 'sabab', 'وجہ', 'سبب'] },
  {
    field: field('rating', 'number', label('Rating', 'درجہ بندی'), { min: 1, max: 5 }),
    phrases: ['rating', 'rate', 'stars', 'score', 'darja bandi', 'ریٹنگ', 'درجہ بندی'],
  },
  {
    field: field('blood_group', 'choice', label('Blood group', 'بلڈ گروپ'), { choices: bloodGroups }),
    phrases: ['blood group', 'blood type', 'بلڈ گروپ', 'خون کا گروپ'],
  },
  {
    field: field('qualification', 'text', label('Qualification', 'تعلیمی قابلیت')),
    phrases: ['qualification', 'education', 'degree', 'taleem', 'تعلیم', 'تعلیمی قابلیت', 'ڈگری'],
  },
  {
    field: field('organisation', 'text', label('Organisation', 'ادارہ')),
    phrases: ['organisation', 'organization', 'company', 'institution', 'idara', 'ادارہ', 'کمپنی'],
  },
  { field: field('due_date', 'date', label('Due date', 'آخری تاریخ')), phrases: ['due date', 'deadline', 'last date', 'آخری تاریخ'] },
  { field: field('expiry_date', 'date', label('Expiry date', 'تاریخ میعاد')), phrases: ['expiry', 'expiry date', 'expiration', 'میعاد'] },
  {
    field: field('serial_number', 'text', label('Serial number', 'سیریل نمبر')),
    phrases: ['serial number', 'serial no', 'barcode', 'bar code', 'sku', 'سیریل نمبر', 'بار کوڈ'],
  },
  {
    field: field('vehicle_number', 'text', label('Vehicle number', 'گاڑی نمبر')),
    phrases: ['vehicle number', 'number plate', 'gari number', 'gaari number', 'گاڑی نمبر'],
  },
  {
    field: field('marks', 'number', label('Marks', 'نمبر'), { min: 0 }),
    phrases: ['marks obtained', 'exam marks', 'their marks', 'obtained marks', 'حاصل کردہ نمبر', 'نمبرات'],
  },
  {
    field: field('income', 'money', label('Income (paisa)', 'آمدنی (پیسے)'), { min: 0 }),
    phrases: ['income', 'family income', 'salary', 'آمدنی', 'تنخواہ'],
  },
  { field: field('venue', 'text', label('Venue', 'مقام تقریب')), phrases: ['venue', 'hall', 'auditorium'] },
  {
    field: field('duration_days', 'number', label('Duration (days)', 'مدت (دن)'), { min: 1 }),
    phrases: ['duration', 'number of days', 'muddat', 'مدت'],
  },
  { field: field('supplier', 'text', label('Supplier', 'سپلائر')), phrases: ['supplier', 'vendor', 'سپلائر', 'فراہم کنندہ'] },
  { field: field('unit', 'text', label('Unit', 'اکائی')), phrases: ['unit', 'اکائی'] },
  { field: field('website', 'text', label('Website', 'ویب سائٹ')), phrases: ['website', 'web site', 'ویب سائٹ'] },
  {
    // No identity number is ever stored: "CNIC" means the verified person behind the account.
    field: field('person', 'person', label('Verified person', 'تصدیق شدہ فرد')),
    phrases: [
      'cnic free',
      'cnic',
      'cnic number',
      'id card',
      'identity card',
      'national identity',
      'verified identity',
      'shanakhti card',
      'شناختی کارڈ',
      'شناختی کارڈ نمبر',
    ],
  },
];

/** The field named `name` in the lexicon (patterns use this for their own fields), a fresh copy. */
export function lexiconField(name: string, more: Partial<FieldSpec> = {}): FieldSpec {
  const word = FIELD_WORDS.find((w) => w.field.name === name);
  if (!word) throw new Error(`the field lexicon has no field "${name}"`);
  return { ...structuredClone(word.field), ...more };
}
