import type * as pulumi from "@pulumi/pulumi";

/**
 * What a program may pass for inputs the provider validates as `T` (the `z.input` of a resource's
 * schema, provider/resources): any value, at any depth of objects and records, may be an Output or a
 * Promise, as Pulumi resolves them before the provider sees them. An input that must stay unset
 * (typed `undefined`: it does not apply to this form) stays plain `undefined`, so that the SDK can
 * still tell the forms of a union apart (`args.rest !== undefined`).
 */
export type Args<T> = { [K in keyof T]: [T[K]] extends [undefined] ? undefined : pulumi.Input<Deep<Exclude<T[K], undefined>>> };

type Deep<T> = T extends readonly unknown[] ? T : T extends object ? Args<T> : T;
