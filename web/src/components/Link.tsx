import { ComponentChildren } from "preact";

import { onLinkClick } from "../router";

export function Link(props: {
  to: string;
  current?: boolean;
  class?: string;
  children: ComponentChildren;
}) {
  return (
    <a
      href={props.to}
      class={props.class}
      aria-current={props.current ? "page" : undefined}
      onClick={(event) => onLinkClick(event, props.to)}
    >
      {props.children}
    </a>
  );
}
