/**
 * The catalogue of app patterns the offline planner builds from: for each kind of app, its
 * entities and their fields, the two roles it always has (who files, who handles), the usual
 * workflow and what each role may do. A description fills in the rest (who it is for, extra
 * fields, other roles, the steps it names, who is told).
 */
import type { EntitySpec, FieldSpec, PermissionSpec, RoleSpec } from '../../spec/index.ts';
import { formsOf, lexiconField, type Offering, type PatternName, ROLE_WORDS } from './lexicon/index.ts';
import type { Understanding } from './understanding.ts';

type Label = { en: string; ur: string };

/** Who plays the pattern's two parts, and who else was named. */
export interface Cast {
  requester: RoleSpec;
  handler: RoleSpec;
  others: RoleSpec[];
  /** Whom the records are about (attendance: students, employees; a directory: doctors), named in the text without a part to play. */
  attendee?: RoleSpec;
}

/** A pattern's entities for one description: `main` takes the extra fields and the workflow. */
export interface Draft {
  entities: EntitySpec[];
  main: string;
  permissions: PermissionSpec[];
}

export interface Blueprint {
  name: PatternName;
  title: (u: Understanding) => Label;
  slugTail: (u: Understanding) => string;
  /** One line for people and for a model's prompt: what the pattern is for. */
  summary: string;
  requester: (u: Understanding) => RoleSpec;
  handler: (u: Understanding) => RoleSpec;
  requesterSide: 'public' | 'official';
  handlerSide: 'public' | 'official';
  /** The workflow's first state and its usual steps, when the pattern's records move through states. */
  workflow?: { initial: { name: string; en: string; ur: string }; steps: string[] };
  draft(u: Understanding, cast: Cast): Draft;
}

const label = (en: string, ur: string): Label => ({ en, ur });
const roleNamed = (name: string): RoleSpec => {
  const word = ROLE_WORDS.find((w) => w.role.name === name);
  if (!word) throw new Error(`the role lexicon has no role "${name}"`);
  return structuredClone(word.role);
};
const field = (name: string, more: Partial<FieldSpec> = {}) => lexiconField(name, more);
const own = (role: RoleSpec, entity: string, ...actions: PermissionSpec['actions']): PermissionSpec => ({
  role: role.name,
  entity,
  actions,
  scope: 'own',
});
const all = (role: RoleSpec, entity: string, ...actions: PermissionSpec['actions']): PermissionSpec => ({
  role: role.name,
  entity,
  actions,
  scope: 'all',
});
const academic = (u: Understanding) => ['school', 'college', 'university'].includes(u.subject?.slug ?? '');
/** Whether one of the chosen pattern's cue phrases holds one of `words` (in any written form). */
const hasCue = (u: Understanding, words: string[]) =>
  u.cueWords.some((cue) => cue.split(' ').some((part) => formsOf(part).some((form) => words.includes(form))));

/** An entity people register for or attend: a course, a workshop, a slot; with seats when the text sets a limit. */
function offeringEntity(offering: Offering, u: Understanding, extra: FieldSpec[] = []): EntitySpec {
  // A slot is its date and time; anything else people register for has a title.
  const fields: FieldSpec[] =
    offering === SLOT
      ? [field('date', { required: true }), ...extra]
      : [{ name: 'title', label: label('Title', 'عنوان'), type: 'text', required: true, max: 200 }, field('date'), ...extra];
  if (u.capacity) fields.push(seats(u));
  return { name: offering.name, label: offering.label, fields };
}

function seats(u: Understanding): FieldSpec {
  return {
    name: 'seats',
    label: label('Seats', 'نشستیں'),
    type: 'number',
    required: true,
    min: 1,
    max: 100000,
    ...(u.capacity?.limit !== undefined ? { default: u.capacity.limit } : {}),
  };
}

function reference(name: string, to: EntitySpec, u: Understanding): FieldSpec {
  return { name, label: to.label, type: 'reference', entity: to.name, required: true, ...(u.capacity ? { capacity: 'seats' } : {}) };
}

const DEFAULT_OFFERING: Offering = {
  name: 'session',
  label: label('Session', 'سیشن'),
  plural: label('Sessions', 'سیشنز'),
  phrases: [],
};
const ACADEMIC_OFFERING: Offering = { name: 'course', label: label('Course', 'کورس'), plural: label('Courses', 'کورسز'), phrases: [] };
const SLOT: Offering = { name: 'slot', label: label('Time slot', 'وقت'), plural: label('Time slots', 'اوقات'), phrases: [] };

const LEAVE_WORDS = ['leave', 'chutti', 'chhutti', 'چھٹی', 'رخصت'];

export const CATALOGUE: Blueprint[] = [
  {
    name: 'booking',
    title: () => label('Appointments', 'اپائنٹمنٹس'),
    slugTail: () => 'appointments',
    summary: 'bookings and appointments: people book a date and time, staff confirm, complete or cancel',
    requester: (u) => roleNamed(u.subject?.slug === 'clinic' || u.subject?.slug === 'hospital' ? 'patient' : 'citizen'),
    handler: () => roleNamed('staff'),
    requesterSide: 'public',
    handlerSide: 'official',
    workflow: { initial: { name: 'requested', en: 'Requested', ur: 'درخواست شدہ' }, steps: ['confirm', 'complete', 'cancel'] },
    draft(u, { requester, handler }) {
      const appointment: EntitySpec = {
        name: 'appointment',
        label: label('Appointment', 'اپائنٹمنٹ'),
        fields: [field('full_name', { required: true }), field('phone', { required: true })],
      };
      if (!u.capacity) {
        appointment.fields.push(field('date', { required: true }), field('time'));
        return {
          entities: [appointment],
          main: 'appointment',
          permissions: [own(requester, 'appointment', 'create', 'read'), all(handler, 'appointment', 'read', 'update')],
        };
      }
      // A limit makes the day's slots records of their own, each with its seats.
      const slot = offeringEntity(SLOT, u, [field('time', { required: true })]);
      appointment.fields.unshift(reference('slot', slot, u));
      return {
        entities: [slot, appointment],
        main: 'appointment',
        permissions: [
          all(requester, 'slot', 'read'),
          all(handler, 'slot', 'create', 'read', 'update', 'delete'),
          own(requester, 'appointment', 'create', 'read'),
          all(handler, 'appointment', 'read', 'update'),
        ],
      };
    },
  },
  {
    name: 'registration',
    title: (u) =>
      u.offering ? label(`${u.offering.label.en} Registration`, `${u.offering.label.ur} رجسٹریشن`) : label('Registration', 'رجسٹریشن'),
    slugTail: (u) => (u.offering ? `${u.offering.name.replace(/_/g, '-')}-registration` : 'registration'),
    summary: 'registrations, with seat limits when given: people register for a course, workshop or session that has seats',
    requester: (u) => roleNamed(academic(u) ? 'student' : 'participant'),
    handler: (u) => roleNamed(academic(u) ? 'registrar' : 'organiser'),
    requesterSide: 'public',
    handlerSide: 'official',
    workflow: { initial: { name: 'registered', en: 'Registered', ur: 'درج' }, steps: ['confirm', 'cancel'] },
    draft(u, { requester, handler }) {
      const offering = offeringEntity(u.offering ?? (academic(u) ? ACADEMIC_OFFERING : DEFAULT_OFFERING), u);
      const registration: EntitySpec = {
        name: 'registration',
        label: label('Registration', 'اندراج'),
        fields: [reference(offering.name, offering, u), field('full_name', { required: true }), field('phone')],
      };
      return {
        entities: [offering, registration],
        main: 'registration',
        permissions: [
          all(requester, offering.name, 'read'),
          all(handler, offering.name, 'create', 'read', 'update', 'delete'),
          own(requester, 'registration', 'create', 'read'),
          all(handler, 'registration', 'read', 'update'),
        ],
      };
    },
  },
  {
    name: 'complaint',
    title: () => label('Complaints', 'شکایات'),
    slugTail: () => 'complaints',
    summary: 'complaints and tickets: people file a complaint, staff assign, work on and resolve it',
    requester: () => roleNamed('citizen'),
    handler: () => roleNamed('staff'),
    requesterSide: 'public',
    handlerSide: 'official',
    workflow: { initial: { name: 'submitted', en: 'Submitted', ur: 'جمع شدہ' }, steps: ['start', 'resolve', 'reject'] },
    draft(_u, { requester, handler }) {
      return {
        entities: [
          {
            name: 'complaint',
            label: label('Complaint', 'شکایت'),
            fields: [field('details', { label: label('What is wrong', 'مسئلہ کیا ہے'), required: true }), field('location')],
          },
        ],
        main: 'complaint',
        permissions: [own(requester, 'complaint', 'create', 'read'), all(handler, 'complaint', 'read', 'update')],
      };
    },
  },
  {
    name: 'request',
    title: (u) => (hasCue(u, LEAVE_WORDS) ? label('Leave Requests', 'رخصت کی درخواستیں') : label('Requests', 'درخواستیں')),
    slugTail: (u) => (hasCue(u, LEAVE_WORDS) ? 'leave-requests' : 'requests'),
    summary: 'requests with approval (leave, permits, certificates): people apply, an approver approves or rejects',
    requester: (u) => roleNamed(hasCue(u, LEAVE_WORDS) ? 'employee' : 'applicant'),
    handler: (u) => roleNamed(hasCue(u, LEAVE_WORDS) ? 'manager' : 'officer'),
    requesterSide: 'public',
    handlerSide: 'official',
    workflow: { initial: { name: 'pending', en: 'Pending', ur: 'زیر غور' }, steps: ['approve', 'reject'] },
    draft(u, { requester, handler }) {
      const leave = hasCue(u, LEAVE_WORDS);
      const entity: EntitySpec = leave
        ? {
            name: 'leave_request',
            label: label('Leave request', 'رخصت کی درخواست'),
            fields: [
              { name: 'first_day', label: label('First day', 'پہلا دن'), type: 'date', required: true },
              { name: 'last_day', label: label('Last day', 'آخری دن'), type: 'date', required: true },
              field('reason'),
            ],
          }
        : {
            name: 'request',
            label: label('Request', 'درخواست'),
            fields: [field('details', { label: label('What is requested', 'کیا درکار ہے'), required: true })],
          };
      return {
        entities: [entity],
        main: entity.name,
        permissions: [own(requester, entity.name, 'create', 'read'), all(handler, entity.name, 'read')],
      };
    },
  },
  {
    name: 'attendance',
    title: () => label('Attendance Register', 'حاضری رجسٹر'),
    slugTail: () => 'attendance',
    summary: 'registers and attendance: a marker records who was present each day; a supervisor reads and corrects',
    requester: (u) => roleNamed(academic(u) || u.roles.some((r) => r.role.name === 'student') ? 'teacher' : 'administrator'),
    handler: (u) => roleNamed(academic(u) || u.roles.some((r) => r.role.name === 'teacher') ? 'principal' : 'manager'),
    requesterSide: 'official',
    handlerSide: 'official',
    draft(u, { requester, handler, attendee }) {
      const people = attendee ?? (academic(u) ? roleNamed('student') : roleNamed('member'));
      const person: EntitySpec = {
        name: people.name,
        label: people.label,
        fields:
          people.name === 'student'
            ? [field('roll_number', { required: true, unique: true }), field('full_name', { required: true }), field('class_name')]
            : [field('full_name', { required: true }), field('department')],
      };
      const attendance: EntitySpec = {
        name: 'attendance',
        label: label('Attendance', 'حاضری'),
        fields: [
          { name: people.name, label: people.label, type: 'reference', entity: people.name, required: true },
          { name: 'day', label: label('Day', 'دن'), type: 'date', required: true },
          { name: 'present', label: label('Present', 'حاضر'), type: 'yes_no', required: true, default: true },
        ],
      };
      return {
        entities: [person, attendance],
        main: person.name,
        permissions: [
          all(requester, person.name, 'read'),
          all(handler, person.name, 'create', 'read', 'update', 'delete'),
          all(requester, 'attendance', 'create', 'read'),
          own(requester, 'attendance', 'update'),
          all(handler, 'attendance', 'read', 'update', 'delete'),
        ],
      };
    },
  },
  {
    name: 'inventory',
    title: () => label('Inventory', 'انوینٹری'),
    slugTail: () => 'inventory',
    summary: 'inventory and stock: staff keep items and their quantities; a manager oversees',
    requester: () => roleNamed('staff'),
    handler: () => roleNamed('manager'),
    requesterSide: 'official',
    handlerSide: 'official',
    draft(_u, { requester, handler }) {
      return {
        entities: [
          {
            name: 'item',
            label: label('Item', 'شے'),
            fields: [
              { name: 'item_name', label: label('Item', 'شے'), type: 'text', required: true, max: 200 },
              field('quantity', { required: true, default: 0 }),
              field('unit'),
            ],
          },
        ],
        main: 'item',
        permissions: [all(requester, 'item', 'create', 'read', 'update'), all(handler, 'item', 'create', 'read', 'update', 'delete')],
      };
    },
  },
  {
    name: 'directory',
    title: () => label('Directory', 'ڈائریکٹری'),
    slugTail: () => 'directory',
    summary: 'directories: an administrator keeps entries (name, designation, phone, email); everyone reads them',
    requester: () => roleNamed('administrator'),
    handler: () => roleNamed('citizen'),
    requesterSide: 'official',
    handlerSide: 'public',
    draft(_u, { requester, handler, attendee }) {
      return {
        entities: [
          {
            name: 'contact',
            label: attendee ? attendee.label : label('Contact', 'رابطہ'),
            fields: [field('full_name', { required: true }), field('designation'), field('department'), field('phone'), field('email')],
          },
        ],
        main: 'contact',
        permissions: [all(requester, 'contact', 'create', 'read', 'update', 'delete'), all(handler, 'contact', 'read')],
      };
    },
  },
  {
    name: 'survey',
    title: () => label('Survey', 'سروے'),
    slugTail: () => 'survey',
    summary: 'surveys and feedback: people answer once (a rating and comments); an administrator reads the answers',
    requester: () => roleNamed('citizen'),
    handler: () => roleNamed('administrator'),
    requesterSide: 'public',
    handlerSide: 'official',
    draft(_u, { requester, handler }) {
      return {
        entities: [{ name: 'response', label: label('Response', 'جواب'), fields: [field('rating', { required: true }), field('notes')] }],
        main: 'response',
        permissions: [own(requester, 'response', 'create', 'read'), all(handler, 'response', 'read')],
      };
    },
  },
  {
    name: 'event',
    title: () => label('Events', 'تقریبات'),
    slugTail: () => 'events',
    summary: 'events: an organiser lists events (date, venue, seats when limited); people sign up to attend',
    requester: () => roleNamed('participant'),
    handler: () => roleNamed('organiser'),
    requesterSide: 'public',
    handlerSide: 'official',
    draft(u, { requester, handler }) {
      const event = offeringEntity({ name: 'event', label: label('Event', 'تقریب'), plural: label('Events', 'تقریبات'), phrases: [] }, u, [
        field('venue'),
        field('details'),
      ]);
      const attendee: EntitySpec = {
        name: 'attendee',
        label: label('Attendee', 'شریک'),
        fields: [reference('event', event, u), field('full_name', { required: true }), field('phone')],
      };
      return {
        entities: [event, attendee],
        main: 'event',
        permissions: [
          all(requester, 'event', 'read'),
          all(handler, 'event', 'create', 'read', 'update', 'delete'),
          own(requester, 'attendee', 'create', 'read', 'delete'),
          all(handler, 'attendee', 'read'),
        ],
      };
    },
  },
];

export function blueprintOf(name: PatternName): Blueprint {
  const blueprint = CATALOGUE.find((b) => b.name === name);
  if (!blueprint) throw new Error(`no pattern "${name}" in the catalogue`);
  return blueprint;
}
