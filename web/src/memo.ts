import { Component, type ComponentChild, type ComponentType } from "preact";

/**
 * A component that re-renders only when a prop changed (shallow), as React's memo; here so
 * that preact/compat (and its weight) stays out of the bundle.
 */
export function memo<P extends object>(render: (props: P) => ComponentChild): ComponentType<P> {
  return class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const before = this.props as Record<string, unknown>;
      const after = next as Record<string, unknown>;
      return Object.keys(after).some((key) => after[key] !== before[key]);
    }
    override render(props: P): ComponentChild {
      return render(props);
    }
  };
}
