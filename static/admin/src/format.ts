/** A stored ISO time in the admin's locale, or a dash when there is none. */
export const formatTime = (iso: string | null | undefined): string => (iso === null || iso === undefined ? '—' : new Date(iso).toLocaleString());
