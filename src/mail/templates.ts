import type { MailMessage } from './mailer.js';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

interface Body {
  to: string;
  subject: string;
  paragraphs: string[];
  action?: { label: string; url: string };
}

/** Every message has a plain-text body and an HTML body saying the same thing. */
function compose(tag: string, body: Body): MailMessage {
  const text = [...body.paragraphs, ...(body.action ? [`${body.action.label}: ${body.action.url}`] : [])];
  const html = body.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`);
  if (body.action) {
    const href = escapeHtml(body.action.url);
    html.push(`<p><a href="${href}">${escapeHtml(body.action.label)}</a></p>`);
  }
  return {
    tag,
    to: body.to,
    subject: body.subject,
    text: `${text.join('\n\n')}\n\n— Suward\n`,
    html: `<!doctype html><html><body>${html.join('')}<p>— Suward</p></body></html>`,
  };
}

export const templates = {
  verifyEmail: (to: string, url: string) =>
    compose('verify-email', {
      to,
      subject: 'Confirm your email address',
      paragraphs: ['Confirm this address to finish setting up your Suward account.'],
      action: { label: 'Confirm email address', url },
    }),
  signUpWithExistingAddress: (to: string) =>
    compose('sign-up-existing', {
      to,
      subject: 'Someone tried to sign up with your address',
      paragraphs: [
        'Somebody tried to create a Suward account with this address, which already has one.',
        'If it was you, sign in instead, or reset your password if you forgot it. Otherwise ignore this message.',
      ],
    }),
  passwordChanged: (to: string) =>
    compose('password-changed', {
      to,
      subject: 'Your password was changed',
      paragraphs: [
        'The password of your Suward account was just changed and your other sessions were ended.',
        'If you did not do this, reset your password now and review your sessions.',
      ],
    }),
  passwordReset: (to: string, url: string, minutes: number) =>
    compose('password-reset', {
      to,
      subject: 'Reset your password',
      paragraphs: [
        'Somebody asked to reset the password of the Suward account that uses this address.',
        `If it was you, follow the link below within ${minutes} minutes. It works once.`,
        'If it was not you, ignore this message: your password stays as it is.',
      ],
      action: { label: 'Choose a new password', url },
    }),
  passwordResetDone: (to: string) =>
    compose('password-reset-done', {
      to,
      subject: 'Your password was reset',
      paragraphs: [
        'The password of your Suward account was just reset with a link sent to this address, and every session was ended.',
        'If you did not do this, reset your password again now and turn on two-factor authentication.',
      ],
    }),
  confirmEmailChange: (to: string, url: string) =>
    compose('confirm-email-change', {
      to,
      subject: 'Confirm your new email address',
      paragraphs: [
        'Somebody asked to move a Suward account to this address.',
        'If it was you, confirm with the link below within 24 hours. Otherwise ignore this message.',
      ],
      action: { label: 'Confirm new email address', url },
    }),
  emailChangeToTakenAddress: (to: string) =>
    compose('email-change-existing', {
      to,
      subject: 'Someone tried to move an account to your address',
      paragraphs: [
        'Somebody asked to move another Suward account to this address, which already has an account. Nothing was changed.',
        'If it was you, sign in with this address instead. Otherwise ignore this message.',
      ],
    }),
  emailChanged: (to: string) =>
    compose('email-changed', {
      to,
      subject: 'Your email address was changed',
      paragraphs: [
        'The email address of your Suward account was just changed; this address no longer signs in.',
        'If you did not do this, contact Suward support right away.',
      ],
    }),
  securityNotice: (to: string, tag: string, subject: string, paragraphs: string[]) =>
    compose(tag, { to, subject, paragraphs }),
  withLink: (to: string, tag: string, subject: string, paragraphs: string[], label: string, url: string) =>
    compose(tag, { to, subject, paragraphs, action: { label, url } }),
};
