// The lines of a document as ONE NiceGUI element: native inputs rendered by Vue from a list of rows.
//
// Why: NiceGUI re-renders its whole element tree on every update, so 300 lines made of Quasar elements took seconds
// per keystroke. Here the browser keeps its own copy of the rows; each edit is sent as an event ("edit", "tidy",
// "act") and the server answers with small patches (nets, errors, tidied values) through runMethod. Values are
// never echoed back to the field being typed in, so the cursor never jumps.
// One row per child component: an edit re-renders its own row, not the 300 others.
const LineRow = {
  props: { item: Object, index: Number, last: Boolean },
  inject: ["grid"],
  template: `
<div :data-key="item.key" :data-position="index + 1" :data-line-kind="item.kind"
     :class="['app-line', 'app-line-' + item.kind, grid.readonly ? 'app-line-view' : '',
              grid.menuKey === item.key ? 'app-line-open' : '']">
    <div class="l-pos">{{ index + 1 }}</div>

    <template v-if="item.kind === 'item'">
      <div class="l-main">
        <div v-if="grid.readonly">
          <div class="font-medium" data-field="designation">{{ item.designation }}</div>
          <div v-if="item.reference" class="l-ref">Réf. {{ item.reference }}</div>
          <div v-if="item.description" class="app-pre app-muted text-sm">{{ item.description }}</div>
        </div>
        <template v-else>
          <label class="app-cell">
            <span class="app-cell-label">Désignation</span>
            <span class="app-cell-box">
              <input :value="item.designation" maxlength="255" data-field="designation"
                     :class="{'app-invalid': item.errors.designation}"
                     @input="grid.edit(item, 'designation', $event.target.value)" />
              <button v-if="grid.picker" type="button" class="app-icon-btn" data-action="pick-article"
                      title="Choisir un article" aria-label="Choisir un article" @click="grid.act(item, 'pick')">
                <i class="material-icons">search</i>
              </button>
            </span>
          </label>
          <div v-if="item.reference" class="l-ref">Réf. {{ item.reference }}</div>
          <textarea class="l-desc" rows="1" maxlength="4000" placeholder="Description (facultatif)"
                    data-field="description" :value="item.description"
                    @input="grid.edit(item, 'description', $event.target.value)"></textarea>
          <label v-if="item.kind === 'item' && item.free" class="l-nature">
            <span class="app-muted">Nature</span>
            <select :value="item.nature" data-field="nature" :class="{'app-invalid': !item.nature}"
                    @change="grid.edit(item, 'nature', $event.target.value)">
              <option v-for="nature in grid.natures" :key="nature.value" :value="nature.value">{{ nature.label }}</option>
            </select>
          </label>
        </template>
      </div>
      <template v-if="grid.readonly">
        <div class="l-qty app-line-fact"><span class="app-line-caption">Quantité</span><span data-field="quantity">{{ item.quantity }}</span></div>
        <div class="l-unit app-line-fact"><span class="app-line-caption">Unité</span><span data-field="unit">{{ item.unit || '—' }}</span></div>
        <div class="l-price app-line-fact"><span class="app-line-caption">{{ grid.priceLabel }}</span><span data-field="unit_price">{{ item.unit_price }}</span></div>
        <div class="l-disc app-line-fact"><span class="app-line-caption">Remise</span><span data-field="discount">{{ item.discount_text || '—' }}</span></div>
        <div class="l-vat app-line-fact"><span class="app-line-caption">TVA</span><span data-field="vat">{{ grid.label(grid.vats, item.vat) }}</span></div>
      </template>
      <template v-else>
        <label class="app-cell l-qty">
          <span class="app-cell-label">Quantité</span>
          <input :value="item.quantity" inputmode="decimal" autocomplete="off" data-field="quantity"
                 :class="{'app-invalid': item.errors.quantity}"
                 @input="grid.edit(item, 'quantity', $event.target.value)" @blur="grid.tidy(item, 'quantity')" />
          <span v-if="item.errors.quantity" class="app-cell-error">{{ item.errors.quantity }}</span>
        </label>
        <label class="app-cell l-unit">
          <span class="app-cell-label">Unité</span>
          <select :value="item.unit" data-field="unit" @change="grid.edit(item, 'unit', $event.target.value)">
            <option v-for="unit in grid.units" :key="unit.value" :value="unit.value">{{ unit.label }}</option>
          </select>
        </label>
        <label class="app-cell l-price">
          <span class="app-cell-label">{{ grid.priceLabel }}</span>
          <input :value="item.unit_price" inputmode="decimal" autocomplete="off" data-field="unit_price"
                 :class="{'app-invalid': item.errors.unit_price}"
                 @input="grid.edit(item, 'unit_price', $event.target.value)" @blur="grid.tidy(item, 'unit_price')" />
          <span v-if="item.errors.unit_price" class="app-cell-error">{{ item.errors.unit_price }}</span>
        </label>
        <div class="l-disc">
          <label class="app-cell l-disc-kind">
            <span class="app-cell-label">Remise</span>
            <select :value="item.discount_kind" data-field="discount_kind"
                    @change="grid.edit(item, 'discount_kind', $event.target.value)">
              <option v-for="kind in grid.discounts" :key="kind.value" :value="kind.value">{{ kind.label }}</option>
            </select>
          </label>
          <label class="app-cell l-disc-value">
            <span class="app-cell-label">&nbsp;</span>
            <input :value="item.discount_value" inputmode="decimal" autocomplete="off" data-field="discount_value"
                   :disabled="!item.discount_kind" :class="{'app-invalid': item.errors.discount_value}"
                   @input="grid.edit(item, 'discount_value', $event.target.value)"
                   @blur="grid.tidy(item, 'discount_value')" />
            <span v-if="item.errors.discount_value" class="app-cell-error">{{ item.errors.discount_value }}</span>
          </label>
        </div>
        <label class="app-cell l-vat">
          <span class="app-cell-label">TVA</span>
          <select :value="item.vat" data-field="vat" @change="grid.edit(item, 'vat', $event.target.value)">
            <option v-for="vat in grid.vats" :key="vat.value" :value="vat.value">{{ vat.label }}</option>
          </select>
        </label>
      </template>
      <!-- Read-only, the line total is captioned: it is HT even where unit prices include VAT (a deposit invoice). -->
      <div v-if="grid.readonly" class="l-net app-line-fact">
        <span class="app-line-caption">{{ grid.netLabel }}</span><span data-field="net">{{ item.net }}</span>
      </div>
      <div v-else class="l-net" data-field="net">{{ item.net }}</div>
    </template>

    <template v-else-if="item.kind === 'title'">
      <div v-if="grid.readonly" class="l-main l-title" data-field="designation">{{ item.designation }}</div>
      <label v-else class="app-cell l-main">
        <span class="app-cell-label">Titre</span>
        <input class="l-title" :value="item.designation" maxlength="255" data-field="designation"
               @input="grid.edit(item, 'designation', $event.target.value)" />
      </label>
    </template>

    <template v-else-if="item.kind === 'text'">
      <div v-if="grid.readonly" class="l-main app-pre" data-field="description">{{ item.description }}</div>
      <label v-else class="app-cell l-main">
        <span class="app-cell-label">Texte</span>
        <textarea rows="2" maxlength="4000" data-field="description" :value="item.description"
                  @input="grid.edit(item, 'description', $event.target.value)"></textarea>
      </label>
    </template>

    <template v-else>
      <div class="l-main l-subtotal-label">Sous-total</div>
      <div class="l-net" data-field="net">{{ item.net }}</div>
    </template>

    <div v-if="!grid.readonly" class="l-act">
      <button type="button" class="app-icon-btn" data-action="line-up" title="Monter" aria-label="Monter"
              :disabled="index === 0" @click="grid.act(item, 'up')"><i class="material-icons">arrow_upward</i></button>
      <button type="button" class="app-icon-btn" data-action="line-down" title="Descendre" aria-label="Descendre"
              :disabled="last" @click="grid.act(item, 'down')">
        <i class="material-icons">arrow_downward</i></button>
      <span class="app-menu-anchor">
        <button type="button" class="app-icon-btn" data-action="line-more" title="Autres actions"
                aria-label="Autres actions" @click="grid.toggleMenu(item)"><i class="material-icons">more_vert</i></button>
        <div v-if="grid.menuKey === item.key" class="app-line-menu" data-role="line-menu">
          <button type="button" data-action="line-duplicate" @click="grid.act(item, 'duplicate')">Dupliquer la ligne</button>
          <button type="button" data-action="line-insert-item" @click="grid.act(item, 'insert-item')">Insérer une ligne dessous</button>
          <button type="button" data-action="line-insert-title" @click="grid.act(item, 'insert-title')">Insérer un titre dessous</button>
          <button type="button" data-action="line-insert-text" @click="grid.act(item, 'insert-text')">Insérer un texte dessous</button>
          <button type="button" data-action="line-insert-subtotal" @click="grid.act(item, 'insert-subtotal')">Insérer un sous-total dessous</button>
          <hr />
          <button v-if="item.kind !== 'item'" type="button" data-action="line-convert-item" @click="grid.act(item, 'convert-item')">Transformer en ligne article</button>
          <button v-if="item.kind !== 'title'" type="button" data-action="line-convert-title" @click="grid.act(item, 'convert-title')">Transformer en titre</button>
          <button v-if="item.kind !== 'text'" type="button" data-action="line-convert-text" @click="grid.act(item, 'convert-text')">Transformer en texte</button>
        </div>
      </span>
      <button type="button" class="app-icon-btn app-danger" data-action="line-delete" title="Supprimer la ligne"
              aria-label="Supprimer la ligne" @click="grid.act(item, 'delete')"><i class="material-icons">delete_outline</i></button>
    </div>
  </div>
`,
};

export default {
  components: { LineRow },
  emits: ["edit", "tidy", "act"], // declared: NiceGUI's fresh listener functions then don't re-render the grid
  provide() {
    return { grid: this };
  },
  props: {
    rows: Array, // [{key, kind, designation, description, reference, quantity, unit, unit_price, discount_kind,
    //             discount_value, vat, net, errors: {field: message}}]
    units: Array, // [{value, label}]
    vats: Array, // [{value, label}]
    discounts: Array, // [{value, label}]
    natures: Array, // [{value, label}]: a free line's goods or service
    readonly: Boolean,
    picker: Boolean,
    priceLabel: { type: String, default: "Prix unitaire HT" }, // TTC on a deposit invoice (prices include VAT)
    netLabel: { type: String, default: "Total HT" }, // the read-only line total's caption
  },
  data() {
    return { items: this.copy(this.rows), menuKey: null };
  },
  watch: {
    rows(rows) {
      this.items = this.copy(rows);
    },
  },
  mounted() {
    this.closeMenu = (event) => {
      if (!event.target.closest(".app-line-menu, [data-action=line-more]")) this.menuKey = null;
    };
    document.addEventListener("click", this.closeMenu);
  },
  unmounted() {
    document.removeEventListener("click", this.closeMenu);
  },
  methods: {
    copy(rows) {
      return (rows || []).map((row) => ({ ...row, errors: { ...(row.errors || {}) } }));
    },
    edit(item, field, value) {
      item[field] = value;
      this.$emit("edit", { key: item.key, field: field, value: value });
    },
    tidy(item, field) {
      this.$emit("tidy", { key: item.key, field: field });
    },
    act(item, action) {
      this.menuKey = null;
      this.$emit("act", { key: item.key, action: action });
    },
    toggleMenu(item) {
      this.menuKey = this.menuKey === item.key ? null : item.key;
    },
    // --- called by the server ---
    patch(changes) {
      for (const [key, change] of Object.entries(changes)) {
        const item = this.items.find((row) => String(row.key) === key);
        if (!item) continue;
        if (change.errors) item.errors = { ...item.errors, ...change.errors };
        const { errors, ...values } = change;
        Object.assign(item, values);
      }
    },
    insert(index, row) {
      this.items.splice(index, 0, { ...row, errors: { ...(row.errors || {}) } });
    },
    remove(key) {
      const index = this.items.findIndex((row) => row.key === key);
      if (index >= 0) this.items.splice(index, 1);
    },
    move(key, target) {
      const index = this.items.findIndex((row) => row.key === key);
      if (index < 0) return;
      const [item] = this.items.splice(index, 1);
      this.items.splice(target, 0, item);
    },
    replace(key, row) {
      const index = this.items.findIndex((item) => item.key === key);
      if (index >= 0) this.items.splice(index, 1, { ...row, errors: { ...(row.errors || {}) } });
    },
    focus(key) {
      this.$nextTick(() => {
        const row = this.$el.querySelector(`[data-key="${key}"]`);
        const field = row && row.querySelector("input, textarea");
        if (field) {
          field.focus();
          row.scrollIntoView({ block: "nearest" });
        }
      });
    },
    label(options, value) {
      const option = (options || []).find((item) => item.value === value);
      return option ? option.label : value;
    },
  },
  template: `
<div class="app-lines-body" data-role="lines">
  <line-row v-for="(item, index) in items" :key="item.key" :item="item" :index="index"
            :last="index === items.length - 1" />
  <div v-if="!items.length" class="app-empty" data-role="no-lines">
    {{ readonly ? 'Aucune ligne.' : 'Aucune ligne : ajoutez un article, une ligne libre ou un titre.' }}
  </div>
</div>
`,
};
