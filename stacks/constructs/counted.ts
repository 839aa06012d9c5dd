/**
 * Resources that exist only with some setting (`count` of 0 or 1) are lists in Terraform: their
 * attributes are read through a splat, joined so that a resource not created reads as "".
 */
import type { TerraformElement } from "cdktf";

/** `attribute` of the counted resource at `address` (`aws_sns_topic.EmailFeedbackTopic`), or "". */
export function ifCreated(address: string, attribute: string): string {
  return `\${join("", ${address}[*].${attribute})}`;
}

/** The address of a synthesized resource or data source (`data.` prefixed), for ifCreated. */
export function addressOf(
  element: TerraformElement & { readonly terraformResourceType: string },
  kind: "resource" | "data" = "resource",
): string {
  return `${kind === "data" ? "data." : ""}${element.terraformResourceType}.${element.friendlyUniqueId}`;
}
