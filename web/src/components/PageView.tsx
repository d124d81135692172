// One page image of a document with the extracted fields' boxes drawn on it. Boxes are fractions
// of the page (ai/document/document.h), so they are placed in percent over the scaled image.
import { useEffect, useState } from "preact/hooks";

import { api } from "../api";
import { Band } from "../format";

export interface PageBox {
  field: string;
  box: [number, number, number, number];
  band: Band;
}

export function PageView(props: {
  page: number;
  image: string | null;
  boxes: PageBox[];
  selected: string | null;
  onSelect: (field: string) => void;
}) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!props.image) return;
    let revoked = false;
    let made: string | null = null;
    api
      .artifactUrl(props.image)
      .then((objectUrl) => {
        made = objectUrl;
        if (revoked) URL.revokeObjectURL(objectUrl);
        else setUrl(objectUrl);
      })
      .catch((e: Error) => setError(e.message));
    return () => {
      revoked = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [props.image]);

  return (
    <figure class="page" data-page={props.page}>
      <figcaption>Page {props.page}</figcaption>
      {!props.image ? (
        <p class="empty">No image of this page was kept.</p>
      ) : error ? (
        <p class="error" role="alert">
          The page image could not be loaded: {error}
        </p>
      ) : (
        <div class="page-canvas">
          {url ? (
            <img src={url} alt={`Page ${props.page} of the document`} />
          ) : (
            <div class="page-placeholder">Loading page…</div>
          )}
          {url
            ? props.boxes.map(({ field, box, band }) => (
                <div
                  key={field}
                  class={`field-box band-${band}${props.selected === field ? " selected" : ""}`}
                  data-field={field}
                  title={field}
                  aria-hidden="true"
                  style={{
                    left: `${box[0] * 100}%`,
                    top: `${box[1] * 100}%`,
                    width: `${(box[2] - box[0]) * 100}%`,
                    height: `${(box[3] - box[1]) * 100}%`,
                  }}
                  onClick={() => props.onSelect(field)}
                />
              ))
            : null}
        </div>
      )}
    </figure>
  );
}
