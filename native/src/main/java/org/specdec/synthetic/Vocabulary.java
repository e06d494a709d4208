package org.specdec.synthetic;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The word-level vocabulary of synthetic models: {@code <unk>}, {@code <s>}, {@code </s>}, then
 * common English words, then made-up pronounceable words (consonant-vowel syllables) up to the
 * vocabulary size. It depends only on the size, so every model of one size shares it and any
 * such pair passes the vocabulary check.
 */
public final class Vocabulary {
    public static final String UNK = "<unk>";
    public static final String BOS = "<s>";
    public static final String EOS = "</s>";
    public static final int UNK_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;
    public static final int FIRST_WORD_ID = 3;

    private static final String COMMON = """
            the of and to a in is it you that he was for on are with as his they be at one have this
            from or had by hot word but what some we can out other were all there when up use your how
            said an each she which do their time if will way about many then them write would like so
            these her long make thing see him two has look more day could go come did number sound no
            most people my over know water than call first who may down side been now find any new work
            part take get place made live where after back little only round man year came show every
            good me give our under name very through just form sentence great think say help low line
            differ turn cause much mean before move right boy old too same tell does set three want air
            well also play small end put home read hand port large spell add even land here must big
            high such follow act why ask men change went light kind off need house picture try us again
            animal point mother world near build self earth father head stand own page should country
            found answer school grow study still learn plant cover food sun four between state keep eye
            never last let thought city tree cross farm hard start might story saw far sea draw left late
            run while press close night real life few north open seem together next white children begin
            got walk example ease paper group always music those both mark often letter until mile river
            car feet care second book carry took science eat room friend began idea fish mountain stop
            once base hear horse cut sure watch color face wood main enough plain girl usual young ready
            above ever red list though feel talk bird soon body dog family direct pose leave song measure
            door product black short numeral class wind question happen complete ship area half rock order
            fire south problem piece told knew pass since top whole king space heard best hour better true
            during hundred five remember step early hold west ground interest reach fast verb sing listen
            six table travel less morning ten simple several vowel toward war lay against pattern slow
            center love person money serve appear road map rain rule govern pull cold notice voice unit
            power town fine certain fly fall lead cry dark machine note wait plan figure star box noun
            field rest correct able pound done beauty drive stood contain front teach week final gave
            green quick develop ocean warm free minute strong special mind behind clear tail produce fact
            street inch multiply nothing course stay wheel full force blue object decide surface deep moon
            island foot system busy test record boat common gold possible plane stead dry wonder laugh
            thousand ago ran check game shape equate miss brought heat snow tire bring yes distant fill
            east paint language among
            """;
    private static final String CONSONANTS = "bdfgklmnprstvz";
    private static final String VOWELS = "aeiou";

    private Vocabulary() {}

    /** The {@code size} token strings, index = token id; all distinct. */
    public static List<String> tokens(int size) {
        Set<String> words = new LinkedHashSet<>(List.of(UNK, BOS, EOS));
        for (String w : COMMON.strip().split("\\s+")) {
            if (words.size() == size) {
                break;
            }
            words.add(w);
        }
        // Made-up words of 2, 3, ... syllables, enumerated in a fixed order; the rare collision with
        // a common word is skipped by the set.
        for (int syllables = 2; words.size() < size; syllables++) {
            long count = (long) Math.pow(CONSONANTS.length() * VOWELS.length(), syllables);
            for (long i = 0; i < count && words.size() < size; i++) {
                words.add(syllableWord(i, syllables));
            }
        }
        return List.copyOf(new ArrayList<>(words));
    }

    private static String syllableWord(long index, int syllables) {
        StringBuilder sb = new StringBuilder();
        int base = CONSONANTS.length() * VOWELS.length();
        for (int s = 0; s < syllables; s++) {
            int syl = (int) (index % base);
            index /= base;
            sb.append(CONSONANTS.charAt(syl / VOWELS.length())).append(VOWELS.charAt(syl % VOWELS.length()));
        }
        return sb.toString();
    }
}
